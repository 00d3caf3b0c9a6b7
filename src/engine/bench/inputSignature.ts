/**
 * What a benchmark encoder was made from. Checkpoints resume by name, so an encoder pre-trained
 * before the pool (or its selection, or its settings) changed would be taken for the current one.
 * Each benchmark checkpoint folder therefore holds `inputs.json`, the signature of its training
 * set (pool content, the pool ids and generated pixels it trains on, model shape, pre-training
 * options); when the signature differs the old folder is moved aside (never deleted) and the
 * encoder trained again, with a log line saying why. The pool's scores record the signature of the
 * foundation model they were computed with, in `bench/scored-with.json`, the same way.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext } from '../command';
import { checkpointDir } from '../model/checkpoint';
import { BENCH_SIGNATURE_FILES } from '../../shared/run/layout';

const INPUTS_FILE = BENCH_SIGNATURE_FILES.inputs;
const SCORED_WITH_FILE = BENCH_SIGNATURE_FILES.scoredWith;

export interface TrainingInputs {
  pool: string;
  ids: readonly number[];
  extra?: Float32Array;
  /** Model shape and pre-training options (steps and checkpoint spacing excluded: resuming may change them). */
  settings: unknown;
}

export function inputSignature(inputs: TrainingInputs): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ pool: inputs.pool, settings: inputs.settings }));
  hash.update(Int32Array.from(inputs.ids));
  if (inputs.extra) hash.update(new Uint8Array(inputs.extra.buffer, inputs.extra.byteOffset, inputs.extra.byteLength));
  return hash.digest('hex');
}

/**
 * Makes checkpoints/<name> belong to `signature`: a folder made from other inputs is moved to
 * checkpoints/<name>.stale-<its signature> and the encoder starts over. A folder from before
 * signatures existed is adopted (the log says so), so earlier benchmarks keep their encoders.
 */
export async function claimCheckpoint(
  runDir: string,
  name: string,
  signature: string,
  ctx: CommandContext,
): Promise<void> {
  const dir = checkpointDir(runDir, name);
  const file = path.join(dir, INPUTS_FILE);
  const recorded = await recordedSignature(file);
  if (recorded === signature) return;
  if (recorded === undefined && fs.existsSync(dir)) {
    ctx.log('info', `bench: ${dir} has no record of its inputs; taking it for the current pool and settings`);
  } else if (recorded !== undefined) {
    const aside = freeName(`${dir}.stale-${recorded.slice(0, 12)}`);
    await fs.promises.rename(dir, aside);
    ctx.log(
      'warn',
      `bench: ${name} was pre-trained on other inputs (the pool, its selection or the settings changed); moved to ${aside}, training again`,
    );
  }
  await writeJsonAtomic(file, { signature });
}

/** Whether the pool's scores were computed with the foundation model of `signature` ('unknown': scored before signatures existed). */
export async function scoredWith(benchDir: string, signature: string): Promise<'same' | 'other' | 'unknown'> {
  const recorded = await recordedSignature(path.join(benchDir, SCORED_WITH_FILE));
  return recorded === undefined ? 'unknown' : recorded === signature ? 'same' : 'other';
}

export function recordScoredWith(benchDir: string, signature: string): Promise<void> {
  return writeJsonAtomic(path.join(benchDir, SCORED_WITH_FILE), { signature });
}

/** `wanted`, or `wanted-2`, `wanted-3`... whichever does not exist yet. */
function freeName(wanted: string): string {
  let name = wanted;
  for (let k = 2; fs.existsSync(name); k++) name = `${wanted}-${k}`;
  return name;
}

async function recordedSignature(file: string): Promise<string | undefined> {
  if (!fs.existsSync(file)) return undefined;
  const value = (await readJsonFile(file).catch(() => undefined)) as { signature?: unknown } | undefined;
  return typeof value?.signature === 'string' ? value.signature : undefined;
}
