/**
 * Our key-patch proposal over a pool: per sample, the windows of highest difficulty inside the
 * foreground (model/keyPatches.ts), from a per-patch difficulty map. Used by `optidel propose`
 * (whole pool or one shard) and by collaborative rounds, which propose again from the model in
 * training's fresh patch errors.
 */
import type { KeyPatch } from '../../shared/artifacts';
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import type { PoolCache } from '../data/cache';
import { proposeWindows, type ProposerOptions } from '../model/keyPatches';

/**
 * `errors`: grid² per-patch difficulties per sample, for the samples from `offset` on (a shard's
 * part starts at its first sample). Patch ids continue from `firstId`.
 */
export async function proposeAutoPatches(
  cache: Pick<PoolCache, 'imageSize' | 'size' | 'batches'>,
  errors: Float32Array,
  grid: number,
  options: Pick<ProposerOptions, 'perImage' | 'windowFraction'>,
  ctx: Pick<CommandContext, 'signal' | 'progress'>,
  scope: { ids?: number[]; offset?: number; firstId?: number; progressStage?: string } = {},
): Promise<KeyPatch[]> {
  const patches: KeyPatch[] = [];
  const area = cache.imageSize ** 2;
  const offset = scope.offset ?? 0;
  const firstId = scope.firstId ?? 0;
  const total = scope.ids?.length ?? cache.size;
  let done = 0;
  for await (const { ids, pixels } of cache.batches({ batchSize: 256, ids: scope.ids })) {
    throwIfCancelled(ctx.signal);
    ids.forEach((id, j) => {
      const row = id - offset;
      for (const box of proposeWindows(
        pixels.subarray(j * area, (j + 1) * area),
        errors.subarray(row * grid * grid, (row + 1) * grid * grid),
        cache.imageSize,
        grid,
        options,
      ))
        patches.push({ id: firstId + patches.length, sampleId: id, box, origin: 'auto' });
    });
    done += ids.length;
    ctx.progress(scope.progressStage ?? 'propose', done, total, 'proposing windows');
  }
  return patches;
}
