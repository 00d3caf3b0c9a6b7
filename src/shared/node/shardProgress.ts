/**
 * Where a sharded run stands: for each sharded stage, the split found under parts/<stage>/ and
 * which of its shards have finished (a part.json that names its own folder's shard) or not yet.
 * Read only, and cheap: one folder listing and one small file per shard, so the host shows it
 * without the engine. The checks `optidel merge` makes (pool, checkpoint, settings) are the
 * engine's (src/engine/scale/parts.ts); a shard shown done here can still be refused there.
 */
import * as fs from 'node:fs';
import { shardOfPartFolder, SHARDED_STAGES, shardPartFile, shardPartsFolder, type ShardedStage } from '../run/layout';
import { resolveInRun } from '../run/node/contain';

export interface ShardSplitProgress {
  stage: ShardedStage;
  /** Shards in the split (the n of its <i>-of-<n> folders). */
  count: number;
  done: number[];
  /** Shards with no folder, or a folder without a readable part.json of its own shard (still running, or failed). */
  missing: number[];
}

/** Every split found, in pipeline order (a stage split two ways shows both, smaller first). */
export async function readShardProgress(runDir: string): Promise<ShardSplitProgress[]> {
  const out: ShardSplitProgress[] = [];
  for (const stage of SHARDED_STAGES) {
    const folder = resolveInRun(runDir, shardPartsFolder(stage));
    if (!fs.existsSync(folder)) continue;
    const byCount = new Map<number, Set<number>>();
    for (const name of await fs.promises.readdir(folder)) {
      const shard = shardOfPartFolder(name);
      if (!shard) continue;
      const { index, count } = shard;
      const done = byCount.get(count) ?? new Set<number>();
      byCount.set(count, done);
      if (await finished(runDir, stage, index, count)) done.add(index);
    }
    for (const [count, done] of [...byCount].sort((a, b) => a[0] - b[0])) {
      const all = Array.from({ length: count }, (_, i) => i);
      out.push({ stage, count, done: all.filter((i) => done.has(i)), missing: all.filter((i) => !done.has(i)) });
    }
  }
  return out;
}

async function finished(runDir: string, stage: ShardedStage, index: number, count: number): Promise<boolean> {
  try {
    const file = resolveInRun(runDir, shardPartFile(stage, index, count, 'record'), { mustExist: true });
    const record = JSON.parse(await fs.promises.readFile(file, 'utf8')) as {
      shard?: { index?: unknown; count?: unknown };
    };
    return record?.shard?.index === index && record.shard.count === count;
  } catch {
    return false;
  }
}

/** Shard numbers as short ranges: [0, 1, 2, 5, 7, 8] -> "0-2, 5, 7-8". */
export function shardRanges(shards: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < shards.length;) {
    let j = i;
    while (j + 1 < shards.length && shards[j + 1] === shards[j] + 1) j++;
    parts.push(i === j ? `${shards[i]}` : `${shards[i]}-${shards[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
