import QRCode from 'qrcode';

// QR codes for enrollment (authenticator apps, the Latch Authenticator), as data: URLs of SVG
// images: the CSP allows data: images and nothing inline, and the page needs no script to show one.

export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
