/** The QR code of an otpauth URI, as a data: URL for an <img> (allowed by the CSP's img-src data:). */

/** qrcode loads with the first set-up, not at start. */
export async function qrDataUrl(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
