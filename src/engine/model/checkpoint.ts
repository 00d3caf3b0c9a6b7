/**
 * Training checkpoints: `checkpoints/<name>/step-000123/` holds the model (model.json,
 * weights.bin), the optimiser moments (optimizer.bin) and trainer.json (step, options, the loss so
 * far); `latest.json` names the newest complete one. A checkpoint is written into a temporary
 * folder and renamed into place before `latest.json` moves, so a crash at any moment leaves the
 * previous checkpoint intact and findable (`latest.json`'s atomic write also flushes the rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { tempPath } from '../../shared/node/tempFiles';
import { ARTIFACTS } from '../../shared/run/layout';
import { isPlainName, PLAIN_NAME_RULE } from '../../shared/run/names';
import {
  CHECKPOINT_POINTER,
  readCheckpointPointer,
  STEP_FOLDER,
  stepFolderName,
} from '../../shared/run/node/checkpointPointer';
import { removeInRun, resolveInRun, RunPathError } from '../../shared/run/node/contain';
import type { AdamW } from './adamw';
import type { MaeConfig } from './mae';
import { MaeModel } from './mae';
import { CHECKPOINT_FILES } from '../../shared/run/layout';

export interface TrainerState {
  version: 1;
  step: number;
  /** Every random choice of step s (batch, augmentation, mask) is derived from (seed, s), so seed and step are the whole RNG state. */
  seed: number;
  options: Record<string, unknown>;
  /** Mean loss of the last logged interval. */
  lastLoss: number;
  /** Training time spent so far (seconds), across resumes. */
  seconds: number;
}

const OPTIMIZER_FILE = CHECKPOINT_FILES.optimizer;
const TRAINER_FILE = CHECKPOINT_FILES.trainer;
const KEEP = 2;

/** `checkpoints/<name>` inside the run folder; `name` must be a plain name and no link may be on the way. */
export function checkpointDir(runDir: string, name: string): string {
  if (!isPlainName(name)) {
    throw new RunPathError(`checkpoint name ${JSON.stringify(name)} is not allowed; ${PLAIN_NAME_RULE}`, name);
  }
  return resolveInRun(runDir, `${ARTIFACTS.checkpointsDir}/${name}`);
}

/** Removes a run's checkpoints of one name (`--fresh`), through the containment rule. */
export async function discardCheckpoints(runDir: string, name: string): Promise<void> {
  checkpointDir(runDir, name);
  await removeInRun(runDir, `${ARTIFACTS.checkpointsDir}/${name}`, { recursive: true });
}

export async function saveCheckpoint(
  dir: string,
  model: MaeModel,
  optimizer: AdamW,
  state: TrainerState,
): Promise<void> {
  const name = stepFolderName(state.step);
  // Unique to this process and call, so two trainings never write into one temporary folder.
  const temp = tempPath(path.join(dir, `.${name}`));
  const final = path.join(dir, name);
  try {
    await model.save(temp);
    const moments = await optimizer.saveState();
    await writeFileAtomic(
      path.join(temp, OPTIMIZER_FILE),
      new Uint8Array(moments.buffer, moments.byteOffset, moments.byteLength),
    );
    await writeJsonAtomic(path.join(temp, TRAINER_FILE), { ...state, optimizerStep: optimizer.step });
    await fs.promises.rm(final, { recursive: true, force: true });
    await fs.promises.rename(temp, final);
  } catch (err) {
    await fs.promises.rm(temp, { recursive: true, force: true });
    throw err;
  }
  await writeJsonAtomic(path.join(dir, CHECKPOINT_POINTER), { dir: name, step: state.step });
  await pruneOld(dir, name);
}

/** Reads the newest checkpoint's trainer state, or undefined when there is none. */
export async function latestCheckpoint(
  dir: string,
): Promise<{ dir: string; state: TrainerState & { optimizerStep: number }; config: MaeConfig } | undefined> {
  const stepDir = readCheckpointPointer(dir);
  if (stepDir === undefined) return undefined;
  const file = path.join(stepDir, TRAINER_FILE);
  const state = checkedState(
    (await readJsonFile(file)) as Partial<TrainerState & { optimizerStep: number }>,
    file,
    dir,
  );
  const model = (await readJsonFile(path.join(stepDir, CHECKPOINT_FILES.model))) as { config: MaeConfig };
  return { dir: stepDir, state, config: model.config };
}

/**
 * A resumed training starts at `step` and keeps the metrics up to it: a shared run folder's step of
 * -1000 emptied the metrics log before the first batch failed, so the counts are whole numbers
 * from 0 and the options an object.
 */
function checkedState(
  state: Partial<TrainerState & { optimizerStep: number }> | null,
  file: string,
  dir: string,
): TrainerState & { optimizerStep: number } {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}; the checkpoint is damaged or not OptiDEL's: delete ${dir} to start over`);
  };
  if (typeof state !== 'object' || state === null) return fail('not a JSON object');
  for (const key of ['step', 'optimizerStep'] as const)
    if (!(Number.isSafeInteger(state[key]) && state[key]! >= 0))
      fail(`"${key}" holds ${JSON.stringify(state[key])}, not a whole number from 0`);
  if (typeof state.options !== 'object' || state.options === null || Array.isArray(state.options))
    fail('"options" must be an object');
  return state as TrainerState & { optimizerStep: number };
}

/** Restores weights and optimiser moments from a checkpoint folder into existing objects. */
export async function restoreCheckpoint(
  stepDir: string,
  model: MaeModel,
  optimizer: AdamW,
  optimizerStep: number,
): Promise<void> {
  // Sized before anything is read or allocated: a shared run's optimizer.bin may be a sparse file of gigabytes.
  const moments = await readOptimizerState(path.join(stepDir, OPTIMIZER_FILE), 4 * optimizer.stateLength);
  const saved = await MaeModel.load(stepDir);
  try {
    model.variables.forEach((v, i) => v.assign(saved.variables[i]));
  } finally {
    saved.dispose();
  }
  optimizer.loadState(moments.values, optimizerStep, moments.file);
}

/** optimizer.bin's moments, refused by the size of the open file when it is not `bytes` long. */
async function readOptimizerState(file: string, bytes: number): Promise<{ file: string; values: Float32Array }> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== bytes)
      throw new Error(
        `${file} has ${size} bytes, the model's optimiser state takes ${bytes}: the checkpoint is damaged or from another model; delete it and train again`,
      );
    const values = new Float32Array(bytes / 4);
    const { bytesRead } = await handle.read(new Uint8Array(values.buffer), 0, bytes, 0);
    if (bytesRead !== bytes) throw new Error(`${file} shrank while it was read; train again`);
    return { file, values };
  } finally {
    await handle.close();
  }
}

async function pruneOld(dir: string, keepName: string): Promise<void> {
  const steps = (await fs.promises.readdir(dir)).filter((f) => STEP_FOLDER.test(f)).sort();
  const stale = steps.filter((f) => f !== keepName).slice(0, Math.max(0, steps.length - KEEP));
  await Promise.all(stale.map((f) => removeInRun(dir, f, { recursive: true })));
}
