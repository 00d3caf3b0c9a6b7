/**
 * Our key-patch proposal over a pool: per sample, the windows of highest difficulty inside the
 * foreground (model/keyPatches.ts), from a per-patch difficulty map. Used by `optidel propose`
 * (whole pool or one shard) and by collaborative rounds, which propose again from the model in
 * training's fresh patch errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatch, ScoresInfo } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import type { CommandArgs, CommandResult } from '../../shared/commands';
import { readJsonFile } from '../../shared/node/atomicFile';
import { selectBackend } from '../backends/select';
import type { CommandContext } from '../command';
import { throwIfCancelled, UsageError } from '../command';
import type { PoolCache } from '../data/cache';
import { openCache } from '../data/cache';
import { checkpointDir } from '../model/checkpoint';
import { DEFAULT_PROPOSER, proposeWindows, type ProposerOptions } from '../model/keyPatches';
import { MaeModel } from '../model/mae';
import { resolveScoringWorkers } from '../model/parallelScoring';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { fitInputFree, resolveDifficulty, type ScoreOptions } from '../model/scoring';
import { readUserPatches } from '../model/userPatches';
import { checkpointGraph, stageRuntime, withModelScorer, type ModelScorer } from '../onnx/scoreRuntime';
import { currentExpectations } from '../scale/parts';
import { writeProposePart } from '../scale/proposeParts';
import { scorePartPatchErrors } from '../scale/scoreParts';
import { resolveShard, shardIds, shardLabel, shardRange } from '../scale/shard';
import { runStageOrShard } from '../scale/shardStage';
import { SCORE_DEFAULTS } from './scoreStage';
import { runRecordOrUndefined } from './stageSettings';
import { readFloat32File } from '../../shared/node/float32File';
import { keyPatchLines, writeKeyPatchesFile, type StreamedKeyPatchFile } from '../../shared/node/keyPatchesFile';
import { appendAll } from '../../shared/appendAll';
import { SharedValues } from '../../shared/sharedValues';

/**
 * A patch's difficulty before its scoring fills it in (every caller scores its patches at once).
 * Declared when the patch is made, so that filling it does not give each of a pool's patches a
 * second property store: 32 B a patch.
 */
const UNSCORED = { difficulty: undefined };

/**
 * `errors`: grid² per-patch difficulties per sample, for the samples from `offset` on (a shard's
 * part starts at its first sample). Patch ids count from 0.
 */
export async function proposeAutoPatches(
  cache: Pick<PoolCache, 'imageSize' | 'size' | 'batches'>,
  errors: Float32Array,
  grid: number,
  options: Pick<ProposerOptions, 'perImage' | 'windowFraction'>,
  ctx: Pick<CommandContext, 'signal' | 'progress'>,
  scope: { ids?: number[]; offset?: number; progressStage?: string } = {},
): Promise<KeyPatch[]> {
  const patches: KeyPatch[] = [];
  const total = scope.ids?.length ?? cache.size;
  let done = 0;
  for await (const windows of autoPatchBatches(cache, errors, grid, options, ctx.signal, scope)) {
    appendAll(patches, windows.patches);
    done += windows.samples;
    ctx.progress(scope.progressStage ?? 'propose', done, total, 'proposing windows');
  }
  return patches;
}

/** proposeAutoPatches a batch of samples at a time: the windows of each batch, unscored, and how many samples it held. */
async function* autoPatchBatches(
  cache: Pick<PoolCache, 'imageSize' | 'size' | 'batches'>,
  errors: Float32Array,
  grid: number,
  options: Pick<ProposerOptions, 'perImage' | 'windowFraction'>,
  signal: AbortSignal,
  scope: { ids?: number[]; offset?: number },
): AsyncGenerator<{ patches: KeyPatch[]; samples: number }> {
  // The windows of one grid are a few boxes repeated over the pool: one frozen copy of each.
  const boxes = new SharedValues();
  const area = cache.imageSize ** 2;
  const offset = scope.offset ?? 0;
  let nextId = 0;
  for await (const { ids, pixels } of cache.batches({ batchSize: 256, ids: scope.ids })) {
    throwIfCancelled(signal);
    const patches: KeyPatch[] = [];
    ids.forEach((id, j) => {
      const row = id - offset;
      for (const box of proposeWindows(
        pixels.subarray(j * area, (j + 1) * area),
        errors.subarray(row * grid * grid, (row + 1) * grid * grid),
        cache.imageSize,
        grid,
        options,
      ))
        patches.push({ id: nextId++, sampleId: id, box: boxes.numbers(box), origin: 'auto', ...UNSCORED });
    });
    yield { patches, samples: ids.length };
  }
}

/**
 * Patches scored this many at a time as they are proposed, then written: a multiple of the
 * scoring batch, so the batches are those of one pass over all (the scores the same to the bit),
 * and propose holds about this many patches (6 MiB at 92 B each) rather than the pool's. Each
 * group starts its scoring threads anew, so a much smaller one would cost start-up time.
 */
export const PATCHES_AT_ONCE = 1024 * SCORE_DEFAULTS.batchSize;

/** What the written patches add up to, counted as they pass. */
export interface PatchTally {
  patches: number;
  auto: number;
  difficultySum: number;
}

/**
 * Our windows (`auto`, in sample order), then the user's boxes (ids continuing), each scored by
 * `score` in groups of `atOnce` patches as they come, so that no more than about `atOnce` are
 * held at once. `tally` counts what passed.
 */
export async function* scoredPatches(
  auto: AsyncIterable<{ patches: KeyPatch[] }>,
  user: ReadonlyArray<Pick<KeyPatch, 'sampleId' | 'box'>>,
  score: (patches: KeyPatch[]) => Promise<Float32Array>,
  tally: PatchTally,
  atOnce = PATCHES_AT_ONCE,
): AsyncGenerator<KeyPatch> {
  let pending: KeyPatch[] = [];
  const scored = async (count: number): Promise<KeyPatch[]> => {
    const batch = pending.slice(0, count);
    pending = pending.slice(count);
    const difficulty = await score(batch);
    batch.forEach((p, i) => {
      p.difficulty = difficulty[i];
      tally.difficultySum += difficulty[i];
    });
    tally.patches += batch.length;
    return batch;
  };
  let nextId = 0;
  for await (const { patches } of auto) {
    appendAll(pending, patches);
    nextId += patches.length;
    tally.auto += patches.length;
    while (pending.length >= atOnce) yield* await scored(atOnce);
  }
  for (const b of user) pending.push({ id: nextId++, sampleId: b.sampleId, box: b.box, origin: 'user', ...UNSCORED });
  while (pending.length > 0) yield* await scored(Math.min(atOnce, pending.length));
}

/** How our windows proposer is named in a key-patch file's `proposer`. */
export function windowsProposer(options: Pick<ProposerOptions, 'perImage' | 'windowFraction'>): string {
  return `optidel-error-windows (${options.perImage} per image, side ${options.windowFraction})`;
}

/** `optidel propose` in a run folder (its lock, its status in run.json, its artifacts): called by the command, the pipeline and the benchmark alike. */
export async function runProposeStage(
  args: CommandArgs<'propose'>,
  ctx: CommandContext,
): Promise<CommandResult<'propose'>> {
  const runDir = existingRunDir('propose', args.run);
  const perImage = args.perImage ?? DEFAULT_PROPOSER.perImage;
  const windowFraction = args.windowFraction ?? DEFAULT_PROPOSER.windowFraction;
  if (perImage < 0) throw new UsageError('propose: --per-image must be 0 or more');
  if (!(windowFraction > 0 && windowFraction <= 1))
    throw new UsageError('propose: --window-fraction must be in (0, 1]');
  const userFile = args.user
    ? path.resolve(args.user)
    : fs.existsSync(path.join(runDir, ARTIFACTS.userKeyPatches))
      ? path.join(runDir, ARTIFACTS.userKeyPatches)
      : undefined;
  if (args.user && !fs.existsSync(userFile!)) throw new UsageError(`propose: --user file ${userFile} does not exist`);
  if (args.userOnly && !userFile)
    throw new UsageError(
      `propose: --user-only needs a user key-patch file (--user, or ${ARTIFACTS.userKeyPatches} in the run folder)`,
    );
  const { backend } = await selectBackend(ctx.backendPreference);
  const settings = await readRunModelSettings(runDir);
  const checkpoint = args.checkpoint ?? 'pretrain';
  const shard = resolveShard(args.shard, process.env, 'propose');
  const workers = resolveScoringWorkers(args.workers, backend, 'propose');
  const { runtime, ort } = stageRuntime('propose', args.runtime, settings);
  return runStageOrShard(runDir, 'propose', shard, ctx, backend, async () => {
    const cache = await openCache(runDir);
    const model = await MaeModel.load(checkpointDir(runDir, checkpoint));
    try {
      // Ours, proposed a batch of samples at a time as the writer asks for them (none with --user-only).
      let auto: AsyncIterable<{ patches: KeyPatch[] }> = (async function* () {})();
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
        const rescore = `run "optidel score --run ${args.run}" again`;
        if (!part && merged!.count !== cache.size)
          throw new Error(
            `${ARTIFACTS.scores} does not match the pool (${merged!.count} scored, ${cache.size} cached); ${rescore}`,
          );
        // Checked by size before it is read: a sparse file in a shared run costs it nothing.
        const errors =
          part?.errors ??
          (await readFloat32File(path.join(runDir, ARTIFACTS.patchErrors), {
            length: cache.size * grid * grid,
            fix: rescore,
          }));
        auto = autoPatchBatches(cache, errors, grid, { perImage, windowFraction }, ctx.signal, {
          ids: shardIds(shard, cache.size),
          offset: part ? start : 0,
        });
      }
      const user = userFile
        ? await readUserPatches(userFile, await cache.provenance(), cache.imageSize)
        : { boxes: [], skipped: [] };
      for (const s of user.skipped) ctx.log('warn', `key patches: skipped ${s.path}: ${s.reason}`);
      // Each user box keeps its place in the file, so the merge orders them as an unsharded run does.
      const userOrder: number[] = [];
      const userBoxes = user.boxes.filter((b, k) => {
        const inShard = b.sampleId >= start && b.sampleId < end;
        if (inShard) userOrder.push(k);
        return inShard;
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
      const options: ScoreOptions = {
        masks: args.masks ?? SCORE_DEFAULTS.masks,
        seed,
        inputFree,
        batchSize: SCORE_DEFAULTS.batchSize,
        difficulty: difficultyScore,
        signal: ctx.signal,
      };
      const proposer =
        [
          args.userOnly ? undefined : windowsProposer({ perImage, windowFraction }),
          userFile ? `user boxes from ${userFile}` : undefined,
        ]
          .filter(Boolean)
          .join(' + ') + `; ${difficultyScore} difficulty`;
      // Progress by the samples whose windows are scored (the windows run ahead by up to PATCHES_AT_ONCE), then by the user's boxes.
      let userScored = 0;
      const score = async (scorer: ModelScorer, patches: readonly KeyPatch[]): Promise<Float32Array> => {
        const auto = patches.filter((p) => p.origin === 'auto').length;
        const difficulty = await scorer.boxes(patches, {
          ...options,
          onProgress: (done) => {
            const last = patches[done - 1];
            if (last?.origin === 'auto')
              ctx.progress('propose', last.sampleId - start + 1, end - start, 'proposing and scoring windows');
            else ctx.progress('propose', userScored + done - auto, userBoxes.length, 'scoring user patches');
          },
        });
        userScored += patches.length - auto;
        return difficulty;
      };
      const tally = { patches: 0, auto: 0, difficultySum: 0 };
      let written: string[] = [ARTIFACTS.keyPatches, keyPatchLines(ARTIFACTS.keyPatches)];
      // Scored and written as they are proposed: the scorer (its threads, or onnxruntime's session) lives while the file is written.
      await withModelScorer(
        model,
        cache,
        { workers, cache: cache.layout },
        ort && checkpointGraph(ort, runDir, checkpoint, model),
        async (scorer) => {
          const file: StreamedKeyPatchFile = {
            proposer,
            patches: scoredPatches(auto, userBoxes, (patches) => score(scorer, patches), tally),
            ...(args.userOnly ? {} : { windows: { perImage, windowFraction } }),
          };
          if (!shard) await writeKeyPatchesFile(runDir, ARTIFACTS.keyPatches, file);
          else {
            // A part is written only once its patches are all scored: writePart drops the shard's
            // old record first, so a cancel mid-stream would lose it. A shard's patches are few.
            const patches: KeyPatch[] = [];
            for await (const patch of file.patches) patches.push(patch);
            const partSettings = {
              perImage,
              windowFraction,
              user: userFile ?? null,
              userOnly: args.userOnly ?? false,
              masks: args.masks ?? SCORE_DEFAULTS.masks,
              seed,
              difficulty: difficultyScore,
              // Scores agree across runtimes only within rounding; a merge equals an unsharded run only from one.
              runtime,
              // The same holds for the scores the windows were cut from, which each shard may read from its own score part.
              windowErrorsRuntime: info && !args.userOnly && perImage > 0 ? (info.runtime ?? 'tfjs') : null,
            };
            written = await writeProposePart(
              runDir,
              shard,
              expected!,
              partSettings,
              { ...file, patches, userOrder },
              user.skipped,
            );
          }
        },
      );
      const meanDifficulty = tally.patches ? tally.difficultySum / tally.patches : 0;
      const result = {
        patches: tally.patches,
        auto: tally.auto,
        user: tally.patches - tally.auto,
        difficulty: difficultyScore,
        meanDifficulty,
        skipped: user.skipped,
        file: path.join(runDir, written[0]),
        workers,
        runtime,
        ...(shard ? { shard: shardLabel(shard) } : {}),
      };
      return {
        result,
        summary: {
          patches: tally.patches,
          user: result.user,
          meanDifficulty: Number(meanDifficulty.toFixed(4)),
          workers,
          runtime,
        },
      };
    } finally {
      model.dispose();
      await cache.close();
    }
  });
}
