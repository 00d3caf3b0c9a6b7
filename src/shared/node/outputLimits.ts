/**
 * Bounds on how much engine output is kept. A line longer than the limit is cut with a marker that
 * says how much was cut; past a number of lines in a time window the rest are dropped and counted,
 * and one note says how many. The engine client applies them to the process's stdout and stderr,
 * the host to its log of everything the engine says, so a runaway engine cannot fill memory or disk.
 */
import type { LogLevel } from '../protocol';

export interface OutputLimits {
  maxLineChars: number;
  /** Lines let through per window; the rest of the window's lines are dropped and counted. */
  maxLines: number;
  windowMs: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxLineChars: 4000, maxLines: 200, windowMs: 1000 };

function cutMarker(cutChars: number): string {
  return ` … [cut: ${cutChars} more characters]`;
}

export function cutLine(line: string, maxChars: number): string {
  return line.length <= maxChars ? line : line.slice(0, maxChars) + cutMarker(line.length - maxChars);
}

/** Splits a character stream into lines, holding at most `maxLineChars` of a line that has not ended. */
export class LineSplitter {
  private buffer = '';
  /** Characters of the current line dropped past the limit; 0 while it fits. */
  private overflow = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars: number,
  ) {}

  write(chunk: string): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      this.take(newline < 0 ? chunk.slice(start) : chunk.slice(start, newline));
      if (newline < 0) return;
      this.endLine();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.buffer || this.overflow) this.endLine();
  }

  private take(piece: string): void {
    if (this.overflow > 0) {
      this.overflow += piece.length;
      return;
    }
    this.buffer += piece;
    if (this.buffer.length > this.maxLineChars) {
      this.overflow = this.buffer.length - this.maxLineChars;
      this.buffer = this.buffer.slice(0, this.maxLineChars);
    }
  }

  private endLine(): void {
    const text = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
    const line = this.overflow > 0 ? text + cutMarker(this.overflow) : text;
    this.buffer = '';
    this.overflow = 0;
    this.onLine(line);
  }
}

/** Lets at most `maxLines` lines through per window; a note reports how many were dropped. */
export class LineRate {
  private windowStart = Number.NEGATIVE_INFINITY;
  private admitted = 0;
  private dropped = 0;

  constructor(
    private readonly emit: (line: string, level: LogLevel) => void,
    private readonly limits: Pick<OutputLimits, 'maxLines' | 'windowMs'> = DEFAULT_OUTPUT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  line(text: string, level: LogLevel = 'info'): void {
    const t = this.now();
    if (t - this.windowStart >= this.limits.windowMs) {
      this.flush();
      this.windowStart = t;
      this.admitted = 0;
    }
    if (this.admitted >= this.limits.maxLines) {
      this.dropped++;
      return;
    }
    this.admitted++;
    this.emit(text, level);
  }

  /** Emits the note for lines dropped since the last one, if any (at the next window, and at the end). */
  flush(): void {
    if (this.dropped === 0) return;
    const { maxLines, windowMs } = this.limits;
    this.emit(
      `[${this.dropped} lines of engine output dropped: more than ${maxLines} lines in ${windowMs / 1000} s]`,
      'warn',
    );
    this.dropped = 0;
  }
}
