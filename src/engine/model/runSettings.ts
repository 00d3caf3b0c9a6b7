/**
 * The model stages' settings for a run: command-line flags first, then the run's config sections
 * `model` ({ preset }) and `pretrain` ({ steps, batchSize, lr, ... }), then defaults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../command';
import { ARTIFACTS } from '../../shared/artifacts';
import { isRunFolder, readRun } from '../../shared/node/runStore';
import type { MaePreset } from './mae';
import { MAE_PRESETS } from './mae';

export interface RunModelSettings {
  preset?: MaePreset;
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
  const preset = model.preset;
  if (preset !== undefined && !MAE_PRESETS.includes(preset as MaePreset)) {
    throw new UsageError(
      `${path.join(runDir, ARTIFACTS.run)}: config "model.preset" is ${JSON.stringify(preset)}; use one of ${MAE_PRESETS.join(', ')}`,
    );
  }
  return {
    preset: preset as MaePreset | undefined,
    seed: typeof config.seed === 'number' ? config.seed : undefined,
    pretrain: isObject(config.pretrain) ? config.pretrain : {},
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
