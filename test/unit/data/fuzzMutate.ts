/** Mutations of a valid file for the fuzz tests: bytes flipped, header fields set to extremes, truncations, insertions. */
import type { SeededRandom } from '../../../src/engine/data/random';

/** Numbers a text header (MetaImage, NRRD) may be given in place of one it has. */
const EXTREME_NUMBERS = ['0', '-1', '-2', '4294967296', '99999999999999999999', '1e308', 'NaN', '0.5', '', '1 1 1 1 1'];

/**
 * A mutated copy of `bytes`; `headerBytes` focuses some mutations on the header, where parsers are
 * most exposed. For a `text` header, half the mutations put an extreme value in place of one of
 * its numbers, where byte flips rarely land on anything a parser still reads.
 */
export function mutate(bytes: Buffer, random: SeededRandom, headerBytes: number, text = false): Buffer {
  if (text && random.int(2) === 0) return replaceNumber(bytes, random, headerBytes);
  const out = Buffer.from(bytes);
  switch (random.int(5)) {
    case 0: // flip a few random bytes anywhere
      for (let i = random.int(8) + 1; i > 0; i--) out[random.int(out.length)] ^= 1 << random.int(8);
      return out;
    case 1: // extreme values in the header (sizes, offsets, lengths)
      for (let i = random.int(3) + 1; i > 0; i--) {
        const at = random.int(Math.max(1, Math.min(headerBytes, out.length) - 4));
        out.writeUInt32LE([0xffffffff, 0x7fffffff, 0, 0x8000, 0xffff][random.int(5)], at);
      }
      return out;
    case 2: // truncation
      return out.subarray(0, random.int(out.length));
    case 3: // random bytes inserted
      return Buffer.concat([
        out.subarray(0, random.int(out.length)),
        Buffer.from(Array.from({ length: random.int(64) + 1 }, () => random.int(256))),
        out.subarray(random.int(out.length)),
      ]);
    default: // a header byte set to random
      out[random.int(Math.min(headerBytes, out.length))] = random.int(256);
      return out;
  }
}

function replaceNumber(bytes: Buffer, random: SeededRandom, headerBytes: number): Buffer {
  const header = bytes.subarray(0, headerBytes).toString('latin1');
  const numbers = [...header.matchAll(/-?\d+(\.\d+)?/g)];
  if (numbers.length === 0) return Buffer.from(bytes);
  const target = numbers[random.int(numbers.length)];
  const start = target.index;
  return Buffer.concat([
    bytes.subarray(0, start),
    Buffer.from(EXTREME_NUMBERS[random.int(EXTREME_NUMBERS.length)], 'latin1'),
    bytes.subarray(start + target[0].length),
  ]);
}
