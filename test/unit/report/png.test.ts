import { deflateSync } from 'node:zlib';
import { decodePng } from './png';

/** A PNG written here with every row filter the format has, read back pixel for pixel. */

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** RGBA rows, row y filtered with filter y % 5. */
function encode(width: number, height: number, rgba: number[]): Buffer {
  const stride = width * 4;
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : (rgba[y * stride + x] ?? 0));
  const raw: number[] = [];
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    raw.push(filter);
    for (let x = 0; x < stride; x++) {
      const [v, a, b, c] = [at(x, y), at(x - 4, y), at(x, y - 1), at(x - 4, y - 1)];
      const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter] ?? 0;
      raw.push((v - predicted) & 0xff);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(raw))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodePng', () => {
  it('reads back every filter type', () => {
    const width = 7;
    const height = 10;
    const rgba = Array.from({ length: width * height * 4 }, (_, i) => (i * 37 + ((i * i) % 11) * 19) % 256);
    const image = decodePng(encode(width, height, rgba));
    expect(image.width).toBe(width);
    expect(image.height).toBe(height);
    expect([...image.rgba]).toEqual(rgba);
  });

  it('refuses what is not a PNG', () => {
    expect(() => decodePng(Buffer.from('GIF89a...'))).toThrow(/not a PNG/);
  });
});
