/**
 * The benchmark's memory between runs: one file per finished cell (bench/cells/<key>.json), so an
 * interrupted or extended benchmark recomputes only what is missing. Each file carries two
 * signatures, and a cell is reused only while both are unchanged: the settings that shaped it (per
 * method, so a setting that shapes one method's cells alone recomputes only those) and the data it
 * was fine-tuned and tested on (per data set and seed, `labelledDataDigest`).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import type { MeasuredCell } from './report';

export interface CellId {
  method: string;
  seed: number;
  dataset: string;
  budget: number;
}

interface CellFile {
  version: 1;
  /** The settings of the cell's method (`CellSignatures.settings`). */
  signature: string;
  /** The labelled data set as split for the cell's seed (`CellSignatures.data`); absent in older files. */
  data?: string;
  cell: MeasuredCell;
}

/** What a cell must have been made from to be reused. */
export interface CellSignatures {
  settings(method: string): string;
  /** Undefined for a cell of a seed or data set this benchmark does not ask for: it is left alone. */
  data(cell: CellId): string | undefined;
}

export function cellKey(id: CellId): string {
  return `${id.method}-b${id.budget}-s${id.seed}-${id.dataset}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A short stable hash of the settings that shape a cell's number. */
export function settingsSignature(settings: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
}

export class CellLedger {
  private readonly cells = new Map<string, MeasuredCell>();
  /** Files that could not be used, with the reason; the run goes on without them. */
  readonly ignored: Array<{ file: string; reason: string }> = [];

  private constructor(
    private readonly dir: string,
    private readonly signatures: CellSignatures,
  ) {}

  static async open(benchDir: string, signatures: CellSignatures): Promise<CellLedger> {
    const ledger = new CellLedger(path.join(benchDir, 'cells'), signatures);
    let names: string[] = [];
    try {
      names = (await fs.promises.readdir(ledger.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return ledger; // a new benchmark
    }
    for (const name of names.sort()) {
      const file = path.join(ledger.dir, name);
      try {
        const raw = (await readJsonFile(file)) as Partial<CellFile>;
        if (raw.version !== 1 || !raw.cell || typeof raw.cell.mIoU !== 'number')
          throw new Error('not a bench cell file');
        if (raw.signature !== signatures.settings(raw.cell.method)) {
          ledger.ignored.push({ file, reason: 'made with other settings (recomputed if this benchmark asks for it)' });
          continue;
        }
        const data = signatures.data(raw.cell);
        if (data === undefined) continue;
        if (raw.data !== data) {
          ledger.ignored.push({ file, reason: otherData(raw.cell, raw.data) });
          continue;
        }
        ledger.cells.set(cellKey(raw.cell), raw.cell);
      } catch (err) {
        ledger.ignored.push({ file, reason: (err as Error).message });
      }
    }
    return ledger;
  }

  has(id: CellId): boolean {
    return this.cells.has(cellKey(id));
  }

  async record(cell: MeasuredCell): Promise<void> {
    const data = this.signatures.data(cell);
    if (data === undefined) throw new Error(`bench: ${cellKey(cell)} is not a cell of this benchmark`);
    const body: CellFile = { version: 1, signature: this.signatures.settings(cell.method), data, cell };
    await writeJsonAtomic(path.join(this.dir, `${cellKey(cell)}.json`), body);
    this.cells.set(cellKey(cell), cell);
  }

  /** Every finished cell, in a stable order. */
  all(): MeasuredCell[] {
    return [...this.cells.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, c]) => c);
  }
}

function otherData(cell: CellId, recorded: string | undefined): string {
  if (recorded === undefined) return 'made before cells recorded their data (recomputed)';
  return `made on other data: the images, labels or split of ${cell.dataset} at seed ${cell.seed} changed since (recomputed)`;
}
