import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Lines of a text file, gunzipped when it ends in .gz; `-` reads standard input. */
export function readLines(path: string): AsyncIterable<string> {
  let input: Readable = path === '-' ? process.stdin : createReadStream(path);
  if (path.endsWith('.gz')) input = input.pipe(createGunzip());
  return createInterface({ input, crlfDelay: Infinity });
}
