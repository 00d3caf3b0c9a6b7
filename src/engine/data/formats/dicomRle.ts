/**
 * DICOM RLE Lossless (PS3.5 Annex G): encapsulated pixel data whose frames (one fragment each)
 * hold up to 15 segments, one per byte of each sample, most significant byte first, each a
 * PackBits run-length stream. Decoded into the uncompressed little-endian, pixel-interleaved
 * layout, so the rest of the DICOM reader treats it as any other file. Every offset and count
 * is checked against the bytes present: a crafted file is refused, never read past its end.
 */
import { UnusableFileError } from './errors';

/** What the decoder needs to know of the image. */
export interface RleImage {
  file: string;
  frames: number;
  /** Rows * columns. */
  pixels: number;
  samples: number;
  bytesPerSample: number;
}

const ITEM = 0xe000fffe; // (FFFE,E000) read as one little-endian word
const SEQUENCE_END = 0xe0ddfffe;

/**
 * The frames of `encapsulated` (the value of an undefined-length Pixel Data element: its items,
 * up to the sequence delimiter) decoded into one buffer of `frames * pixels * samples *
 * bytesPerSample` little-endian bytes, samples interleaved.
 */
export function decodeRle(encapsulated: Buffer, image: RleImage): Buffer {
  const fragments = items(encapsulated, image.file).slice(1); // the first item is the offset table
  const { frames, file } = image;
  if (fragments.length !== frames && !(frames === 1 && fragments.length > 0))
    throw new UnusableFileError(
      `${file}: RLE pixel data has ${fragments.length} fragments for ${frames} frames (one fragment per frame is required)`,
    );
  const frameBytes = image.pixels * image.samples * image.bytesPerSample;
  const out = Buffer.alloc(frames * frameBytes);
  const frameData = frames === 1 ? [Buffer.concat(fragments)] : fragments;
  frameData.forEach((data, f) => decodeFrame(data, image, out.subarray(f * frameBytes, (f + 1) * frameBytes), f));
  return out;
}

/** The values of the items before the sequence delimiter. */
function items(data: Buffer, file: string): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 8 <= data.length) {
    const tag = data.readUInt32LE(pos);
    const length = data.readUInt32LE(pos + 4);
    if (tag === SEQUENCE_END) return out;
    if (tag !== ITEM)
      throw new UnusableFileError(`${file}: corrupt encapsulated pixel data at byte ${pos} (no item tag)`);
    if (pos + 8 + length > data.length)
      throw new UnusableFileError(`${file}: truncated: a pixel data fragment runs past the end of the file`);
    out.push(data.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
  }
  throw new UnusableFileError(`${file}: truncated: the encapsulated pixel data is not closed`);
}

function decodeFrame(data: Buffer, image: RleImage, out: Buffer, frame: number): void {
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
