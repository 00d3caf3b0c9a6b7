/**
 * DICOM RLE Lossless (PS3.5 Annex G): encapsulated pixel data whose frames (one fragment each)
 * hold up to 15 segments, one per byte of each sample, most significant byte first, each a
 * PackBits run-length stream. Decoded into the uncompressed little-endian, pixel-interleaved
 * layout, so the rest of the DICOM reader treats it as any other file (the frames are split out
 * of the encapsulated data by `dicomFragments.ts`). Every offset and count is checked against the
 * bytes present: a crafted file is refused, never read past its end.
 */
import { UnusableFileError } from './errors';

/** What the decoder needs to know of the image. */
export interface RleImage {
  file: string;
  /** Rows * columns. */
  pixels: number;
  samples: number;
  bytesPerSample: number;
}

/** One RLE frame (its fragments joined) decoded into `out`: `pixels * samples * bytesPerSample` bytes. */
export function decodeRleFrame(data: Buffer, image: RleImage, out: Buffer, frame: number): void {
  const { file, pixels, samples, bytesPerSample } = image;
  const where = `${file}: RLE frame ${frame + 1}`;
  if (data.length < 64) throw new UnusableFileError(`${where} is shorter than its 64-byte header`);
  const segments = data.readUInt32LE(0);
  if (segments !== samples * bytesPerSample)
    throw new UnusableFileError(
      `${where} has ${segments} segments; ${samples} sample(s) of ${bytesPerSample} byte(s) need ${samples * bytesPerSample}`,
    );
  const offsets = Array.from({ length: segments }, (_, i) => data.readUInt32LE(4 + 4 * i));
  for (let s = 0; s < segments; s++) {
    const start = offsets[s];
    const end = s + 1 < segments ? offsets[s + 1] : data.length;
    if (start < 64 || end > data.length || end < start)
      throw new UnusableFileError(`${where}: segment ${s + 1} lies outside the frame (offset ${start})`);
    // Segment s holds byte (s % bytes) of sample (s / bytes), most significant first.
    const sample = Math.floor(s / bytesPerSample);
    const byte = bytesPerSample - 1 - (s % bytesPerSample);
    const produced = unpackBits(data.subarray(start, end), pixels, (p, value) => {
      out[(p * samples + sample) * bytesPerSample + byte] = value;
    });
    if (produced < pixels)
      throw new UnusableFileError(`${where}: segment ${s + 1} decodes to ${produced} bytes, ${pixels} are needed`);
  }
}

/** PackBits: writes up to `count` bytes through `put`; returns how many it wrote. */
function unpackBits(src: Buffer, count: number, put: (index: number, value: number) => void): number {
  let i = 0;
  let o = 0;
  while (i < src.length && o < count) {
    const n = (src[i++] << 24) >> 24; // the control byte, signed
    if (n >= 0) {
      // n + 1 literal bytes
      const end = Math.min(i + n + 1, src.length);
      while (i < end && o < count) put(o++, src[i++]);
      i = end;
    } else if (n !== -128) {
      // the next byte, 1 - n times
      if (i >= src.length) break;
      const value = src[i++];
      for (let k = 0; k < 1 - n && o < count; k++) put(o++, value);
    }
  }
  return o;
}
