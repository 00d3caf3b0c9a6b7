/**
 * `optidel embeddings --run R --file F`: embeddings made elsewhere (DINOv2, BiomedCLIP, a model of
 * the user's own), one row per pool sample, replace the run's (scores/embeddings.f32) for the map,
 * the similarity search, the duplicate groups and the selectors. The difficulty and key patches
 * stay the foundation model's. `optidel score` again brings the model's embeddings back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScoresInfo } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext, EngineCommand } from '../command';
import { lockRunForStage } from '../../shared/node/runLock';
import { UsageError } from '../command';
import { readCacheHeader } from '../data/cache';
import { decodeNpyMatrix } from '../export/npy';
import { pcaProject } from '../model/projection';
import { existingRunDir } from '../model/runSettings';

/** Larger files are refused before they are read: 100M float64 values. */
const MAX_BYTES = 800 * 1024 * 1024;

export const embeddingsCommand: EngineCommand<'embeddings'> = {
  name: 'embeddings',
  summary:
    'Use embeddings made elsewhere (.npy or .csv, one row per pool sample) for the map, similarity and selection',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with score done' },
    {
      name: 'file',
      type: 'string',
      required: true,
      description: 'a .npy of shape (samples, dims), float32 or float64, or a .csv of one row of numbers per sample',
    },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('embeddings', args.run);
    const scoresFile = path.join(runDir, ARTIFACTS.scores);
    if (!fs.existsSync(scoresFile))
      throw new UsageError(`embeddings: ${scoresFile} is missing: run "optidel score --run ${args.run}" first`);
    const file = path.resolve(args.file);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new UsageError(`embeddings: ${file} is not a file`);
    if (stat.size > MAX_BYTES)
      throw new UsageError(`embeddings: ${file} is ${stat.size} bytes, above the ${MAX_BYTES} byte limit`);
    const bytes = await fs.promises.readFile(file);
    const matrix = file.toLowerCase().endsWith('.npy') ? decodeNpyMatrix(bytes, file) : parseCsvMatrix(bytes, file);
    const pool = (await readCacheHeader(runDir)).sampleCount;
    if (matrix.rows !== pool)
      throw new UsageError(
        `embeddings: ${file} has ${matrix.rows} rows but the pool has ${pool} samples; one row per sample, in sample id order (cache/index.json)`,
      );
    const bad = matrix.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new UsageError(
        `embeddings: ${file}: row ${Math.floor(bad / matrix.cols)} holds a value that is not finite in float32 (NaN, infinite, or beyond ±3.4e38)`,
      );
    // The run's stage lock: a score or select running now would read half-replaced embeddings.
    const lock = await lockRunForStage(runDir, 'embeddings', (message) => ctx.log('info', message));
    try {
      await replaceEmbeddings(runDir, scoresFile, file, matrix, ctx);
    } finally {
      await lock.release();
    }
    ctx.log(
      'info',
      `embeddings: ${matrix.rows} x ${matrix.cols} from ${file}; the map's UMAP (if any) is of the old embeddings: run "optidel umap" again`,
    );
    return { samples: matrix.rows, dim: matrix.cols, source: file };
  },
  describe(r) {
    return `${r.samples} embeddings of ${r.dim} dimensions from ${r.source} now stand for the run's (map, similar, duplicates, select)`;
  },
};

async function replaceEmbeddings(
  runDir: string,
  scoresFile: string,
  file: string,
  matrix: { values: Float32Array; rows: number; cols: number },
  ctx: CommandContext,
): Promise<void> {
  ctx.progress('embeddings', 0, 1, 'projecting');
  const raw = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  await writeFileAtomic(path.join(runDir, ARTIFACTS.embeddings), raw(matrix.values));
  await writeFileAtomic(path.join(runDir, ARTIFACTS.projection), raw(pcaProject(matrix.values, matrix.cols)));
  const info = (await readJsonFile(scoresFile)) as ScoresInfo;
  await writeJsonAtomic(scoresFile, {
    ...info,
    embeddingDim: matrix.cols,
    // The file's name, not its path: a run folder is shared, the path of the user's disk is not.
    embeddingSource: path.basename(file),
  } satisfies ScoresInfo);
  ctx.progress('embeddings', 1, 1);
}

/** A decimal number as people write them in CSV (no hex, no empty cell standing for 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Rows of comma-separated decimal numbers; a first line that is not numbers is a header and skipped. Errors name the file's own line. */
function parseCsvMatrix(bytes: Uint8Array, file: string): { values: Float32Array; rows: number; cols: number } {
  const lines = Buffer.from(bytes)
    .toString('utf8')
    .split(/\r?\n/)
    .map((text, k) => ({ text, line: k + 1 }))
    .filter((l) => l.text.trim());
  const cells = (text: string) => text.split(',').map((cell) => cell.trim());
  if (lines.length && !cells(lines[0]!.text).every((c) => DECIMAL.test(c))) lines.shift();
  if (!lines.length) throw new UsageError(`embeddings: ${file} holds no rows of numbers`);
  const cols = cells(lines[0]!.text).length;
  const values = new Float32Array(lines.length * cols);
  lines.forEach(({ text, line }, row) => {
    const values_ = cells(text);
    if (values_.length !== cols)
      throw new UsageError(`embeddings: ${file}: line ${line} has ${values_.length} values, the first row ${cols}`);
    const bad = values_.find((c) => !DECIMAL.test(c));
    if (bad !== undefined)
      throw new UsageError(`embeddings: ${file}: line ${line} holds ${JSON.stringify(bad)}, not a decimal number`);
    values.set(values_.map(Number), row * cols);
  });
  return { values, rows: lines.length, cols };
}
