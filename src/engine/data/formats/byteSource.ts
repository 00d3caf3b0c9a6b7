/**
 * Reading an untrusted file's bytes without letting it decide how many: a stream of its bytes
 * from an offset, inflated off the event loop when it is gzip, zlib or raw deflate, and readers that
 * stop that stream (and so the inflating) as soon as they have what the caller asked for.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { UnusableFileError } from './errors';

export type Encoding = 'plain' | 'gzip' | 'zlib' | 'deflate-raw';

/** Inflated chunks this large keep the per-chunk overhead small on volumes of hundreds of MiB. */
const CHUNK = 256 * 1024;

const INFLATERS = { gzip: zlib.createGunzip, zlib: zlib.createInflate, 'deflate-raw': zlib.createInflateRaw };

export interface OpenOptions {
  /** A plain stream reads no further than this many bytes. */
  length?: number;
  /** Bytes read from the file at a time (a header is read in small steps). */
  chunk?: number;
}

/** The file's bytes from `start`, decoded per `encoding`. */
export function openBytes(file: string, start: number, encoding: Encoding, options: OpenOptions = {}): Readable {
  const { length, chunk = CHUNK } = options;
  const plainLength = encoding === 'plain' ? length : undefined;
  const end = plainLength !== undefined ? start + plainLength - 1 : undefined;
  const raw = fs.createReadStream(file, {
    start,
    end,
    highWaterMark: Math.max(1, Math.min(chunk, plainLength ?? chunk)),
  });
  if (encoding === 'plain') return raw;
  const inflate = INFLATERS[encoding]({ chunkSize: CHUNK });
  raw.on('error', (err) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

export interface Prefix {
  bytes: Buffer;
  /** The stream went on for more than `extra` bytes past `length`. */
  overrun: boolean;
}

/**
 * The first `length` bytes of `stream` in one buffer (fewer when it ends first). Reading stops
 * once they and `extra` more (to tell whether the data goes on) have arrived.
 */
export async function readPrefix(stream: Readable, length: number, extra = 0): Promise<Prefix> {
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  let beyond = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, length - got);
      chunk.copy(out, got, 0, take);
      got += take;
      beyond += chunk.length - take;
      if (beyond > extra || (got === length && extra === 0)) break;
    }
  } finally {
    stream.destroy();
  }
  return { bytes: out.subarray(0, got), overrun: beyond > extra };
}

/**
 * Reads `stream` until `parse(bytesSoFar, ended)` returns a result, trying again each time the
 * bytes have doubled, and stops it then. `parse` must return a result once `ended` is true.
 * More than `maxBytes` without a result is refused with `tooLong()`, as soon as they arrive.
 */
export async function readUntil<T>(
  stream: Readable,
  firstTry: number,
  maxBytes: number,
  parse: (bytes: Buffer, ended: boolean) => T | undefined,
  tooLong: (bytes: number) => Error,
): Promise<T> {
  let chunks: Buffer[] = [];
  let got = 0;
  let nextTry = firstTry;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
      if (got > maxBytes) throw tooLong(got);
      if (got < nextTry) continue;
      const bytes = Buffer.concat(chunks, got);
      // The joined copy replaces the pieces, so what is held stays about the bytes read.
      chunks = [bytes];
      const result = parse(bytes, false);
      if (result !== undefined) return result;
      nextTry = got * 2;
    }
  } finally {
    stream.destroy();
  }
  return parse(Buffer.concat(chunks, got), true)!;
}

/** `work`, with a corrupt compressed stream turned into a refusal of `file` naming `what` was corrupt. */
export async function corruptIsUnusable<T>(work: Promise<T>, file: string, what: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_'))
      throw new UnusableFileError(`${file}: ${what} is corrupt (${(err as Error).message})`);
    throw err;
  }
}
