import { inflateSync } from 'node:zlib';

/**
 * Enough of PNG to read a browser screenshot: 8-bit greyscale, RGB or RGBA, not interlaced
 * (what Chromium writes). Returns RGBA pixels.
 */
export interface Image {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(file: Buffer): Image {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('latin1', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      channels = CHANNELS[colorType ?? -1] ?? 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, color type ${colorType}, interlace ${interlace}`);
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const pixels = unfilter(raw, width, height, channels);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const grey = channels <= 2;
    rgba[i * 4] = pixels[p] ?? 0;
    rgba[i * 4 + 1] = (grey ? pixels[p] : pixels[p + 1]) ?? 0;
    rgba[i * 4 + 2] = (grey ? pixels[p] : pixels[p + 2]) ?? 0;
    rgba[i * 4 + 3] = channels === 4 ? (pixels[p + 3] ?? 255) : channels === 2 ? (pixels[p + 1] ?? 255) : 255;
  }
  return { width, height, rgba };
}

/** Undoes the per-row filters: raw holds a filter byte then `width × channels` bytes per row. */
function unfilter(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const from = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    const filter = raw[from - 1];
    for (let x = 0; x < stride; x++) {
      const v = raw[from + x]!;
      const a = x >= channels ? pixels[row + x - channels]! : 0;
      const b = y > 0 ? pixels[up + x]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const c = x >= channels && y > 0 ? pixels[up + x - channels]! : 0;
        const p = a + b - c;
        // Not Math.abs: under jest (a vm context) that call is not inlined and the decode takes seconds.
        const pa = p > a ? p - a : a - p;
        const pb = p > b ? p - b : b - p;
        const pc = p > c ? p - c : c - p;
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`unknown PNG filter ${filter}`);
      pixels[row + x] = (v + predicted) & 0xff;
    }
  }
  return pixels;
}
