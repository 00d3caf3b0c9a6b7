/**
 * One shard of the pool for a stage run as many jobs (docs/scale-out.md): `--shard i/n` (0-based
 * i), or `--shard auto` to read it from the scheduler, Slurm's job array or a Kubernetes Indexed
 * Job. Shards are contiguous ranges of sample ids, as even as the pool allows, so the merged
 * artifacts are the shards' artifacts concatenated in shard order. Scores of a sample do not
 * depend on the other samples in its batch (masks are keyed by sample id), which is what makes a
 * merged run equal to an unsharded one.
 */
import { UsageError, type OptionSpec } from '../command';
import { MAX_SHARDS } from '../../shared/run/layout';

export interface Shard {
  index: number;
  count: number;
}

/** The environment variable a Kubernetes Indexed Job gets no equivalent of: its shard count. */
export const SHARD_COUNT_ENV = 'OPTIDEL_SHARD_COUNT';

const SHARD_FLAG = /^(\d+)\/(\d+)$/;

/** `--shard` as given (undefined: the stage is not sharded, whatever the environment says). */
export function resolveShard(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): Shard | undefined {
  if (flag === undefined) return undefined;
  if (flag === 'auto') return shardFromEnv(env, command);
  const match = SHARD_FLAG.exec(flag);
  if (!match) throw new UsageError(`${command}: --shard must be i/n (0 <= i < n) or auto, got ${JSON.stringify(flag)}`);
  return checked(Number(match[1]), Number(match[2]), `--shard ${flag}`, command);
}

/**
 * Slurm: SLURM_ARRAY_TASK_ID counted from SLURM_ARRAY_TASK_MIN (so --array=1-4 works as 0-3) of
 * SLURM_ARRAY_TASK_COUNT. Kubernetes: JOB_COMPLETION_INDEX of OPTIDEL_SHARD_COUNT (the manifest
 * sets it to the Job's completions).
 */
function shardFromEnv(env: Readonly<Record<string, string | undefined>>, command: string): Shard {
  const int = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    if (!/^\d+$/.test(value))
      throw new UsageError(`${command}: ${name} must be a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
  const task = int('SLURM_ARRAY_TASK_ID');
  if (task !== undefined) {
    const count = int('SLURM_ARRAY_TASK_COUNT');
    if (count === undefined)
      throw new UsageError(`${command}: --shard auto found SLURM_ARRAY_TASK_ID but no SLURM_ARRAY_TASK_COUNT`);
    return checked(task - (int('SLURM_ARRAY_TASK_MIN') ?? 0), count, 'SLURM_ARRAY_TASK_ID', command);
  }
  const completion = int('JOB_COMPLETION_INDEX');
  if (completion !== undefined) {
    const count = int(SHARD_COUNT_ENV);
    if (count === undefined)
      throw new UsageError(
        `${command}: --shard auto found JOB_COMPLETION_INDEX but no ${SHARD_COUNT_ENV}; set it to the Job's completions`,
      );
    return checked(completion, count, 'JOB_COMPLETION_INDEX', command);
  }
  throw new UsageError(
    `${command}: --shard auto needs SLURM_ARRAY_TASK_ID (sbatch --array) or JOB_COMPLETION_INDEX (an Indexed Job); give --shard i/n otherwise`,
  );
}

function checked(index: number, count: number, from: string, command: string): Shard {
  if (!(count >= 1 && index >= 0 && index < count))
    throw new UsageError(`${command}: ${from} gives shard ${index} of ${count}; need 0 <= i < n and n >= 1`);
  if (count > MAX_SHARDS)
    throw new UsageError(`${command}: ${from} splits into ${count} shards; at most ${MAX_SHARDS} shards`);
  return { index, count };
}

/** The sample ids [start, end) of a shard of a pool of `size` samples; every id is in exactly one shard. */
export function shardRange(shard: Shard, size: number): { start: number; end: number } {
  return {
    start: Math.floor((shard.index * size) / shard.count),
    end: Math.floor(((shard.index + 1) * size) / shard.count),
  };
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The ids of a shard's samples, in order; every id when the stage is not sharded. */
export function shardIds(shard: Shard | undefined, size: number): number[] {
  const { start, end } = shard ? shardRange(shard, size) : { start: 0, end: size };
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** The `--shard` option of every sharded stage. */
export const SHARD_OPTION = {
  name: 'shard',
  type: 'string',
  description:
    'process one shard i/n (0-based) of the pool and write its part under parts/ for "optidel merge"; auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (docs/scale-out.md)',
} as const satisfies OptionSpec;
