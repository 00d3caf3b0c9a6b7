/**
 * JSON Lines (one JSON value per line) written and read a chunk at a time, for the run artifacts
 * that grow with the pool. One JSON document of a 10M-sample pool would be one string past V8's
 * limit (about 512M characters); written as lines, no string is longer than one entry, and memory
 * stays at one chunk on the way in and out. Writes are atomic as in atomicFile.ts: the lines go to
 * a temporary file that is renamed over the target only once complete.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { syncFolder } from './atomicFile';
import { tempPath } from './tempFiles';

/** Bytes gathered before each write and read per read: large enough for sequential throughput, small next to the pool. */
export const JSON_LINES_CHUNK_BYTES = 1 << 20;

export class JsonLinesWriter {
  private readonly temp: string;
  private handle: Promise<fs.promises.FileHandle> | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private lines = 0;
  private readonly hash = createHash('sha256');
  private digest: string | undefined;

  constructor(
    readonly file: string,
    private readonly chunkBytes = JSON_LINES_CHUNK_BYTES,
  ) {
    this.temp = tempPath(file);
  }

  get count(): number {
    return this.lines;
  }

  /** The SHA-256 (hex) of the file's bytes, once finish() has written them: a header can name its body by it. */
  get sha256(): string | undefined {
    return this.digest;
  }

  async add(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.lines++;
    if (this.pendingChars >= this.chunkBytes) await this.flush();
  }

  private async open(): Promise<fs.promises.FileHandle> {
    this.handle ??= fs.promises
      .mkdir(path.dirname(this.file), { recursive: true })
      .then(() => fs.promises.open(this.temp, 'w'));
    return this.handle;
  }

  private async flush(): Promise<void> {
    const handle = await this.open();
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.hash.update(chunk);
    await handle.writeFile(chunk);
  }

  /** Writes what is left, flushes the file to disk and renames it over the target. */
  async finish(): Promise<void> {
    try {
      await this.flush();
      this.digest = this.hash.digest('hex');
      const handle = await this.open();
      await handle.sync();
      await handle.close();
      await fs.promises.rename(this.temp, this.file);
    } catch (err) {
      await this.abort();
      throw err;
    }
    await syncFolder(path.dirname(this.file));
  }

  /** Drops the temporary file; the target keeps what it held. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle.catch(() => undefined))?.close().catch(() => undefined);
    await fs.promises.rm(this.temp, { force: true });
  }
}

export class JsonLinesError extends Error {
  override name = 'JsonLinesError';
}

/** One line of a text file: its number (from 1), its text without the newline, and whether a newline ended it. */
export interface TextLine {
  number: number;
  text: string;
  /** False only for a last line the file ends inside (a write cut short, or a file copied in part). */
  terminated: boolean;
}

/**
 * Each line of `file`, reading `chunkBytes` at a time; `hash`, when given, is fed every byte read.
 * A last line without a newline is yielded only when it holds more than white space.
 */
export async function* readLines(
  file: string,
  chunkBytes = JSON_LINES_CHUNK_BYTES,
  hash?: Hash,
): AsyncGenerator<TextLine> {
  const decoder = new StringDecoder('utf8');
  const stream = fs.createReadStream(file, { highWaterMark: chunkBytes });
  let carry = '';
  let number = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash?.update(chunk);
    const text = carry + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      yield { number: ++number, text: text.slice(start, end), terminated: true };
      start = end + 1;
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry.trim() !== '') yield { number: ++number, text: carry, terminated: false };
}

/** Each line of `file`, parsed, in order, reading `chunkBytes` at a time; a bad line names the file and its line number. */
export async function* readJsonLines(file: string, chunkBytes = JSON_LINES_CHUNK_BYTES): AsyncGenerator<unknown> {
  for await (const line of readLines(file, chunkBytes)) {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (err) {
      throw new JsonLinesError(`${file}: line ${line.number} is not valid JSON (${(err as Error).message})`);
    }
    yield value;
  }
}
