/**
 * The model stages' settings for a run: command-line flags first, then the run's config sections
 * `model` ({ preset, runtime }) and `pretrain` ({ steps, batchSize, lr, ... }), then defaults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../command';
import { ARTIFACTS } from '../../shared/artifacts';
import { isRunFolder, readRun } from '../../shared/node/runStore';
import { SCORE_RUNTIMES, type ScoreRuntime } from '../../shared/commands';
import type { MaePreset } from './mae';
import { MAE_PRESETS } from './mae';

export interface RunModelSettings {
  preset?: MaePreset;
  /** What runs the model in score, propose and the re-scoring between train's rounds. */
  runtime?: ScoreRuntime;
  seed?: number;
  pretrain: Record<string, unknown>;
}

/** The absolute run folder, which must exist. */
export function existingRunDir(command: string, run: string): string {
  const runDir = path.resolve(run);
  if (!fs.existsSync(runDir))
    throw new UsageError(
      `${command}: run folder ${runDir} does not exist; make it with "optidel ingest --config optidel.json --out ${run}"`,
    );
  return runDir;
}

export async function readRunModelSettings(runDir: string): Promise<RunModelSettings> {
  if (!isRunFolder(runDir)) return { pretrain: {} };
  const config = (await readRun(runDir)).config;
  const model = isObject(config.model) ? config.model : {};
  const choice = <T extends string>(key: string, choices: readonly T[]): T | undefined => {
    const value = model[key];
    if (value !== undefined && !choices.includes(value as T))
      throw new UsageError(
        `${path.join(runDir, ARTIFACTS.run)}: config "model.${key}" is ${JSON.stringify(value)}; use one of ${choices.join(', ')}`,
      );
    return value as T | undefined;
  };
  return {
    preset: choice('preset', MAE_PRESETS),
    runtime: choice('runtime', SCORE_RUNTIMES),
    seed: typeof config.seed === 'number' ? config.seed : undefined,
    pretrain: isObject(config.pretrain) ? config.pretrain : {},
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
