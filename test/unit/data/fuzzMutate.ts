/** Mutations of a valid file for the fuzz tests: bytes flipped, header fields set to extremes, truncations, insertions. */
import type { SeededRandom } from '../../../src/engine/data/random';

/** A mutated copy of `bytes`; `headerBytes` focuses some mutations on the header, where parsers are most exposed. */
export function mutate(bytes: Buffer, random: SeededRandom, headerBytes: number): Buffer {
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
