/**
 * OptiDEL selecting by another difficulty score than the one the pool was scored with: the
 * benchmark arms `optidel-<difficulty>` that compare the scores (docs/selection.md, "Difficulty").
 * A variant's per-sample difficulty, its per-patch map and so its key patches (proposed from that
 * map, as `optidel propose` does) are computed with the same foundation model, masks and seed as
 * the pool's scores, so only the score differs. They are kept in bench/difficulty/<score>/, signed
 * with the foundation model's signature: computed once before the workers start, and again only
 * when the foundation model changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatch, KeyPatchFile } from '../../shared/artifacts';
import type { DifficultyScore } from '../../shared/commands';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { readFloat32File } from '../../shared/node/float32File';
import { readKeyPatchesFile, writeKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import { benchDifficultyDir, DIFFICULTY_VARIANT_FILES } from '../../shared/run/layout';
import type { CommandContext } from '../command';
import type { PoolCache } from '../data/cache';
import { DEFAULT_PROPOSER } from '../model/keyPatches';
import { MaeModel } from '../model/mae';
import { readRunModelSettings } from '../model/runSettings';
import { fitInputFree, scoreBoxes, scoreSamples } from '../model/scoring';
import { proposeAutoPatches, windowsProposer } from '../pipeline/proposeStage';
import { SCORE_DEFAULTS } from '../pipeline/scoreStage';
import { bytes } from '../scale/scoreParts';
import type { SelectionInput } from '../selection/methods';

interface VariantRecord {
  difficulty: DifficultyScore;
  /** The foundation model's inputs signature (inputSignature.ts). */
  foundation: string;
  count: number;
}

/** `base` (the pool's selection input) with the difficulty and key patches of `difficulty`. */
export async function withDifficulty(
  base: SelectionInput,
  difficulty: DifficultyScore,
  pool: { run: string; cache: PoolCache; foundationDir: string; foundationSignature: string },
  ctx: CommandContext,
): Promise<SelectionInput> {
  const dir = path.join(pool.run, benchDifficultyDir(difficulty));
  const files = (name: keyof typeof DIFFICULTY_VARIANT_FILES) => path.join(dir, DIFFICULTY_VARIANT_FILES[name]);
  const keyPatches = `${benchDifficultyDir(difficulty)}/${DIFFICULTY_VARIANT_FILES.keyPatches}`;
  const count = pool.cache.size;
  const record = fs.existsSync(files('record'))
    ? ((await readJsonFile(files('record'))) as Partial<VariantRecord>)
    : undefined;
  if (record?.foundation === pool.foundationSignature && record.count === count && record.difficulty === difficulty) {
    const fix = `delete ${dir} and run the benchmark again`;
    const scores = await readFloat32File(files('difficulty'), { length: count, fix });
    // A shared run folder's record is no proof: its patches are checked against the pool as the run's own are.
    const { patches } = await readKeyPatchesFile(pool.run, keyPatches, {
      fix,
      pool: { size: count, imageSize: pool.cache.imageSize },
      warn: (message) => ctx.log('warn', message),
    });
    return { ...base, difficulty: scores, keyPatches: patches };
  }
  if (record) ctx.log('info', `bench: the ${difficulty} difficulty was computed with another foundation model; again`);
  ctx.log('info', `bench: scoring the pool by the ${difficulty} difficulty with the foundation model`);
  const model = await MaeModel.load(pool.foundationDir);
  try {
    const ids = Array.from({ length: count }, (_, i) => i);
    // The score stage's masks and seed, so that a variant differs from the pool's scores by its score alone.
    const seed = (await readRunModelSettings(pool.run)).seed ?? 0;
    const options = {
      masks: SCORE_DEFAULTS.masks,
      seed,
      batchSize: SCORE_DEFAULTS.batchSize,
      difficulty,
      inputFree: difficulty === 'pvi' ? await fitInputFree(pool.cache, ids, model.config.patchSize, seed) : undefined,
      signal: ctx.signal,
      onProgress: (done: number, total: number) => ctx.progress(`score (${difficulty})`, done, total),
    };
    const scores = await scoreSamples(model, pool.cache, ids, options);
    const patches: KeyPatch[] = await proposeAutoPatches(
      pool.cache,
      scores.patchErrors,
      model.grid,
      DEFAULT_PROPOSER,
      ctx,
    );
    const boxes = await scoreBoxes(model, pool.cache, patches, {
      ...options,
      onProgress: (done, total) => ctx.progress(`propose (${difficulty})`, done, total),
    });
    patches.forEach((p, i) => (p.difficulty = boxes[i]));
    await writeFileAtomic(files('difficulty'), bytes(scores.difficulty));
    const file: KeyPatchFile = {
      proposer: `${windowsProposer(DEFAULT_PROPOSER)}; ${difficulty} difficulty`,
      patches,
      windows: { perImage: DEFAULT_PROPOSER.perImage, windowFraction: DEFAULT_PROPOSER.windowFraction },
    };
    await writeKeyPatchesFile(pool.run, keyPatches, file);
    // The record last: a variant folder with a record is complete.
    await writeJsonAtomic(files('record'), {
      difficulty,
      foundation: pool.foundationSignature,
      count,
    } satisfies VariantRecord);
    return { ...base, difficulty: scores.difficulty, keyPatches: patches };
  } finally {
    model.dispose();
  }
}
