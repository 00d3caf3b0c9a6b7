/**
 * `optidel propose --run RUN_DIR`: key patches for every pool sample, ours (windows of highest
 * difficulty inside the foreground) and the user's (docs/key-patches.md), each scored by the
 * foundation model's difficulty of the patches it covers, at the scale the model was trained at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import type { KeyPatch, KeyPatchFile, ScoresInfo } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { DIFFICULTY_SCORES } from '../../shared/commands';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { checkpointDir } from '../model/checkpoint';
import { DEFAULT_PROPOSER } from '../model/keyPatches';
import { proposeAutoPatches } from '../pipeline/proposeStage';
import { MaeModel } from '../model/mae';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { resolveScoringWorkers, SCORING_WORKERS_OPTION, scorePoolBoxes } from '../model/parallelScoring';
import { fitInputFree, resolveDifficulty } from '../model/scoring';
import { runRecordOrUndefined } from '../pipeline/stageSettings';
import { readUserPatches } from '../model/userPatches';
import { currentExpectations } from '../scale/parts';
import { writeProposePart } from '../scale/proposeParts';
import { scorePartPatchErrors } from '../scale/scoreParts';
import { resolveShard, SHARD_OPTION, shardIds, shardLabel, shardRange } from '../scale/shard';
import { runStageOrShard } from '../scale/shardStage';
import { SCORE_DEFAULTS } from './score';

/** Where a user key-patch file is looked for when --user is not given. */
export const USER_PATCHES_FILE = 'key-patches.user.json';

export const proposeCommand: EngineCommand<'propose'> = {
  name: 'propose',
  summary: 'Propose key patches per image (ours and user-supplied boxes) and score each by masked reconstruction error',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with ingest, pretrain and score done' },
    { name: 'perImage', type: 'integer', description: `our windows per image (default ${DEFAULT_PROPOSER.perImage})` },
    {
      name: 'windowFraction',
      type: 'number',
      description: `window side as a fraction of the image side (default ${DEFAULT_PROPOSER.windowFraction})`,
    },
    {
      name: 'user',
      type: 'string',
      description: `user key-patch file, see docs/key-patches.md (default: <run>/${USER_PATCHES_FILE} when present)`,
    },
    { name: 'userOnly', type: 'boolean', description: "only the user's patches, none of ours" },
    {
      name: 'masks',
      type: 'integer',
      description: `random masks averaged per patch (default ${SCORE_DEFAULTS.masks})`,
    },
    { name: 'seed', type: 'integer', description: 'seed of the masks (default: the config seed)' },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'checkpoint under checkpoints/ to score with (default pretrain)',
    },
    {
      name: 'difficulty',
      type: 'string',
      choices: DIFFICULTY_SCORES,
      description: 'difficulty score of the patches (default: the one "optidel score" used)',
    },
    SHARD_OPTION,
    SCORING_WORKERS_OPTION,
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('propose', args.run);
    const perImage = args.perImage ?? DEFAULT_PROPOSER.perImage;
    const windowFraction = args.windowFraction ?? DEFAULT_PROPOSER.windowFraction;
    if (perImage < 0) throw new UsageError('propose: --per-image must be 0 or more');
    if (!(windowFraction > 0 && windowFraction <= 1))
      throw new UsageError('propose: --window-fraction must be in (0, 1]');
    const userFile = args.user
      ? path.resolve(args.user)
      : fs.existsSync(path.join(runDir, USER_PATCHES_FILE))
        ? path.join(runDir, USER_PATCHES_FILE)
        : undefined;
    if (args.user && !fs.existsSync(userFile!)) throw new UsageError(`propose: --user file ${userFile} does not exist`);
    if (args.userOnly && !userFile)
      throw new UsageError(
        `propose: --user-only needs a user key-patch file (--user, or ${USER_PATCHES_FILE} in the run folder)`,
      );
    const { backend } = await selectBackend(ctx.backendPreference);
    const settings = await readRunModelSettings(runDir);
    const checkpoint = args.checkpoint ?? 'pretrain';
    const shard = resolveShard(args.shard, process.env, 'propose');
    const workers = resolveScoringWorkers(args.workers, backend, 'propose');
    return runStageOrShard(runDir, 'propose', shard, ctx, backend, async () => {
      const cache = await openCache(runDir);
      const model = await MaeModel.load(checkpointDir(runDir, checkpoint));
      try {
        const patches: KeyPatch[] = [];
        const { start, end } = shard ? shardRange(shard, cache.size) : { start: 0, end: cache.size };
        const expected = shard ? await currentExpectations(runDir, cache, checkpoint) : undefined;
        // A shard's own score part, when its job scored it, spares waiting for the merged scores.
        const part = shard ? await scorePartPatchErrors(runDir, shard, expected!) : undefined;
        const merged = fs.existsSync(path.join(runDir, ARTIFACTS.scores))
          ? ((await readJsonFile(path.join(runDir, ARTIFACTS.scores))) as ScoresInfo)
          : undefined;
        const info = part?.facts ?? merged;
        const difficultyScore =
          args.difficulty ?? info?.difficulty ?? resolveDifficulty(undefined, await runRecordOrUndefined(runDir));
        if (!args.userOnly && perImage > 0) {
          if (!info)
            throw new Error(
              `${path.join(runDir, ARTIFACTS.scores)} is missing: run "optidel score --run ${args.run}" first`,
            );
          const grid = info.patchesPerSide;
          const errors =
            part?.errors ??
            new Float32Array((await fs.promises.readFile(path.join(runDir, ARTIFACTS.patchErrors))).buffer.slice(0));
          const offset = part ? start : 0;
          if (!part && (merged!.count !== cache.size || errors.length !== cache.size * grid * grid))
            throw new Error(
              `${ARTIFACTS.patchErrors} does not match the pool (${merged!.count} scored, ${cache.size} cached); run "optidel score --run ${args.run}" again`,
            );
          patches.push(
            ...(await proposeAutoPatches(cache, errors, grid, { perImage, windowFraction }, ctx, {
              ids: shardIds(shard, cache.size),
              offset,
            })),
          );
        }
        const user = userFile
          ? await readUserPatches(userFile, cache.index.samples, cache.imageSize)
          : { boxes: [], skipped: [] };
        for (const s of user.skipped) ctx.log('warn', `key patches: skipped ${s.path}: ${s.reason}`);
        // Each user box keeps its place in the file, so the merge orders them as an unsharded run does.
        const userOrder: number[] = [];
        user.boxes.forEach((b, k) => {
          if (b.sampleId < start || b.sampleId >= end) return;
          userOrder.push(k);
          patches.push({ id: patches.length, sampleId: b.sampleId, box: b.box, origin: 'user' });
        });
        const seed = args.seed ?? settings.seed ?? 0;
        // pvi's input-free predictor is the pool's, as in "optidel score" (same seed, same images), not the boxes' images alone.
        const inputFree =
          difficultyScore === 'pvi'
            ? await fitInputFree(
                cache,
                Array.from({ length: cache.size }, (_, i) => i),
                model.config.patchSize,
                seed,
              )
            : undefined;
        const difficulty = await scorePoolBoxes(
          model,
          cache,
          patches,
          {
            masks: args.masks ?? SCORE_DEFAULTS.masks,
            seed,
            inputFree,
            batchSize: SCORE_DEFAULTS.batchSize,
            difficulty: difficultyScore,
            signal: ctx.signal,
            onProgress: (done, total) => ctx.progress('propose', done, total, 'scoring patches'),
          },
          { workers, runDir },
        );
        patches.forEach((p, i) => (p.difficulty = difficulty[i]));
        const proposer =
          [
            args.userOnly ? undefined : `optidel-error-windows (${perImage} per image, side ${windowFraction})`,
            userFile ? `user boxes from ${userFile}` : undefined,
          ]
            .filter(Boolean)
            .join(' + ') + `; ${difficultyScore} difficulty`;
        const file: KeyPatchFile = {
          version: 1,
          proposer,
          patches,
          ...(args.userOnly ? {} : { windows: { perImage, windowFraction } }),
        };
        let written: string[] = [ARTIFACTS.keyPatches];
        if (!shard) await writeJsonAtomic(path.join(runDir, ARTIFACTS.keyPatches), file);
        else {
          const partSettings = {
            perImage,
            windowFraction,
            user: userFile ?? null,
            userOnly: args.userOnly ?? false,
            masks: args.masks ?? SCORE_DEFAULTS.masks,
            seed,
            difficulty: difficultyScore,
          };
          written = await writeProposePart(
            runDir,
            shard,
            expected!,
            partSettings,
            { ...file, userOrder },
            user.skipped,
          );
        }
        const auto = patches.filter((p) => p.origin === 'auto').length;
        const meanDifficulty = patches.length ? difficulty.reduce((s, v) => s + v, 0) / patches.length : 0;
        const result = {
          patches: patches.length,
          auto,
          user: patches.length - auto,
          difficulty: difficultyScore,
          meanDifficulty,
          skipped: user.skipped,
          file: path.join(runDir, written[0]),
          workers,
          ...(shard ? { shard: shardLabel(shard) } : {}),
        };
        return {
          result,
          summary: {
            patches: patches.length,
            user: result.user,
            meanDifficulty: Number(meanDifficulty.toFixed(4)),
            workers,
          },
        };
      } finally {
        model.dispose();
        await cache.close();
      }
    });
  },
  describe(r) {
    return [
      `${r.patches} key patches (${r.auto} ours, ${r.user} user), mean ${r.difficulty} difficulty ${r.meanDifficulty.toFixed(4)}`,
      ...r.skipped.map((s) => `skipped ${s.path}: ${s.reason}`),
      `wrote ${r.file}`,
    ].join('\n');
  },
};
