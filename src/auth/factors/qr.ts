/** The QR code of an otpauth URI, as a data: URL for an <img> (allowed by the CSP's img-src data:). */
import QRCode from 'qrcode';

export function qrDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
