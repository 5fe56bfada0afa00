/** Reads a QR code the way a phone camera would: an independent decoder (jsQR) on the PNG pixels (pngjs). */
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is a CommonJS bundle that sets `exports.default`: plain Node hands over that exports object, jest's loader
// unwraps it already. Either way, take the function.
type Decode = typeof jsQRModule.default;
const jsQR: Decode = (jsQRModule as { default?: Decode }).default ?? (jsQRModule as unknown as Decode);

/** The text in the QR code of a `data:image/png;base64,…` URL. */
export function decodeQrDataUrl(dataUrl: string): string {
  const base64 = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl)?.[1];
  if (!base64) throw new Error(`not a PNG data URL: ${dataUrl.slice(0, 40)}`);
  const png = PNG.sync.read(Buffer.from(base64, 'base64'));
  const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length);
  const found = jsQR(pixels, png.width, png.height);
  if (!found) throw new Error('no QR code found in the image');
  return found.data;
}
