/**
 * Encapsulated pixel data (PS3.5 A.4): the items of an undefined-length Pixel Data element, the
 * first one the Basic Offset Table, the others fragments of compressed frames. Splits them into
 * frames for every compressed transfer syntax (RLE, JPEG, JPEG-LS, JPEG 2000): one fragment per
 * frame, several fragments per frame found by the offset table or, where the table is empty, by
 * the codec's start-of-stream marker. Every offset and length is checked against the bytes present.
 */
import { UnusableFileError } from './errors';

const ITEM = 0xe000fffe; // (FFFE,E000) read as one little-endian word
const SEQUENCE_END = 0xe0ddfffe;

interface Fragment {
  /** Offset of the item's tag from the first fragment's tag (what the offset table counts). */
  offset: number;
  data: Buffer;
}

/**
 * The compressed stream of each of `frames` frames in `encapsulated` (the Pixel Data value, up to
 * its sequence delimiter). `startsFrame` tells whether a fragment opens a new frame's stream,
 * for files with more fragments than frames and an empty offset table.
 */
export function encapsulatedFrames(
  encapsulated: Buffer,
  frames: number,
  file: string,
  startsFrame?: (fragment: Buffer) => boolean,
): Buffer[] {
  const [table, ...rest] = items(encapsulated, file);
  if (!table) throw new UnusableFileError(`${file}: encapsulated pixel data has no offset table item`);
  const base = rest[0]?.offset ?? 0;
  const fragments = rest.map((f) => ({ ...f, offset: f.offset - base }));
  if (fragments.length === frames) return fragments.map((f) => f.data);
  if (frames === 1 && fragments.length > 0) return [Buffer.concat(fragments.map((f) => f.data))];
  const starts =
    table.data.length >= 4 * frames
      ? Array.from({ length: frames }, (_, k) => table.data.readUInt32LE(4 * k))
      : startsFrame
        ? fragments.filter((f) => startsFrame(f.data)).map((f) => f.offset)
        : [];
  if (starts.length !== frames)
    throw new UnusableFileError(
      `${file}: encapsulated pixel data has ${fragments.length} fragments for ${frames} frames and no offset table to group them`,
    );
  return starts.map((start, k) => {
    const end = k + 1 < frames ? starts[k + 1] : Infinity;
    const members = fragments.filter((f) => f.offset >= start && f.offset < end);
    if (members.length === 0 || members[0].offset !== start)
      throw new UnusableFileError(`${file}: the offset table points frame ${k + 1} at no fragment (offset ${start})`);
    return Buffer.concat(members.map((f) => f.data));
  });
}

/** The items before the sequence delimiter, with their offsets. */
function items(data: Buffer, file: string): Fragment[] {
  const out: Fragment[] = [];
  let pos = 0;
  while (pos + 8 <= data.length) {
    const tag = data.readUInt32LE(pos);
    const length = data.readUInt32LE(pos + 4);
    if (tag === SEQUENCE_END) return out;
    if (tag !== ITEM)
      throw new UnusableFileError(`${file}: corrupt encapsulated pixel data at byte ${pos} (no item tag)`);
    if (pos + 8 + length > data.length)
      throw new UnusableFileError(`${file}: truncated: a pixel data fragment runs past the end of the file`);
    out.push({ offset: pos, data: data.subarray(pos + 8, pos + 8 + length) });
    pos += 8 + length;
  }
  throw new UnusableFileError(`${file}: truncated: the encapsulated pixel data is not closed`);
}
