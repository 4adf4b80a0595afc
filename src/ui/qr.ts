import QRCode from 'qrcode';

// QR codes for enrollment (authenticator apps, the Latch Authenticator), as data: URLs of SVG
// images: the CSP allows data: images and nothing inline, and the page needs no script to show one.

export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * The same, computed synchronously, for page templates (which are synchronous): the QR symbol's
 * dark modules as one SVG path, with a 2-module quiet zone.
 */
export function qrDataUrlSync(text: string): string {
  const { size, data } = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  let path = '';
  for (let row = 0; row < size; row++)
    for (let col = 0; col < size; col++) if (data[row * size + col]) path += `M${col + 2} ${row + 2}h1v1h-1z`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size + 4} ${size + 4}" shape-rendering="crispEdges"><path fill="#fff" d="M0 0h${size + 4}v${size + 4}H0z"/><path fill="#000" d="${path}"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
