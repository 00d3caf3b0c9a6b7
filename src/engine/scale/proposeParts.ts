/** A shard's part of `optidel propose` (the key patches of its samples), and the merge of all parts. */
import * as path from 'node:path';
import type { KeyPatchFile } from '../../shared/artifacts';
import type { KeyPatchPool } from '../../shared/keyPatchCheck';
import { keyPatchLines, readKeyPatchesFile, writeKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import { SHARD_PART_FILES, shardPartFile } from '../../shared/run/layout';
import { readParts, writePart, type PartExpectations } from './parts';
import { shardLabel, shardRange, type Shard } from './shard';

/** A shard's key patches (ours, then the user's, ids counted within the shard), with each user box's place in the user's file. */
export interface KeyPatchPart extends KeyPatchFile {
  userOrder: number[];
}

export interface ProposePartFacts {
  skipped: Array<{ path: string; reason: string }>;
}

export async function writeProposePart(
  runDir: string,
  shard: Shard,
  expected: PartExpectations,
  settings: Record<string, unknown>,
  patches: KeyPatchPart,
  skipped: ProposePartFacts['skipped'],
): Promise<string[]> {
  const record = {
    version: 1,
    stage: 'propose',
    shard,
    samples: shardRange(shard, expected.pool.size),
    ...expected,
    settings,
  } as const;
  const written = await writePart<ProposePartFacts>(runDir, record, async (file) => {
    file('keyPatches'); // named among the part's files
    await writeKeyPatchesFile(runDir, shardPartFile('propose', shard.index, shard.count, 'keyPatches'), patches);
    return { skipped };
  });
  return written.flatMap((f) => (f.endsWith(SHARD_PART_FILES.keyPatches) ? [f, keyPatchLines(f)] : [f]));
}

const PROPOSE_AGAIN = 'propose every shard again';

/**
 * Why a part's patches are not its shard's, or undefined: a patch of a sample outside the shard
 * (another part's, so merged twice), or a userOrder that is not one place per user patch, each
 * place claimed by no other part (`claimed`: place to the shard that took it, filled as parts pass).
 */
function partProblem(
  shard: Shard,
  samples: { start: number; end: number },
  part: KeyPatchPart,
  claimed: Map<number, string>,
): { file: 'header' | 'body'; why: string } | undefined {
  const label = shardLabel(shard);
  const outside = part.patches.findIndex((p) => p.sampleId < samples.start || p.sampleId >= samples.end);
  if (outside >= 0)
    return {
      file: 'body',
      why: `line ${outside + 1}: "sampleId" holds ${part.patches[outside].sampleId}, not a sample of shard ${label} (${samples.start} to ${samples.end - 1})`,
    };
  const users = part.patches.filter((p) => p.origin === 'user').length;
  const order: unknown = part.userOrder;
  if (!Array.isArray(order) || order.length !== users || !order.every((k) => Number.isSafeInteger(k) && k >= 0))
    return { file: 'header', why: `"userOrder" must hold one whole number per user patch (${users})` };
  for (const k of order as number[]) {
    const other = claimed.get(k);
    if (other !== undefined)
      return { file: 'header', why: `"userOrder" holds ${k} twice (shard ${other} claims it too)` };
    claimed.set(k, label);
  }
  return undefined;
}

/**
 * Every propose part, checked and joined as an unsharded propose orders its patches: ours in
 * sample order (the shards' in shard order), then the user's in the order of the user's file; ids
 * are the positions in that list. Every patch must be of `pool` (the run's cache) and of its
 * part's shard, and every user box's place in the user's file claimed once: a shared run folder's
 * part is refused by its file and field, never merged into key-patches.json.
 */
export async function mergeProposeParts(
  runDir: string,
  expected: PartExpectations,
  pool: KeyPatchPool,
  rerun: (shard: string) => string,
): Promise<{ file: KeyPatchFile; shards: number; skipped: ProposePartFacts['skipped'] }> {
  const parts = await readParts<ProposePartFacts>(runDir, 'propose', expected, rerun);
  // A part's user patches are matched to userOrder by position: one skipped would shift the rest, so none is.
  const refuse = (message: string) => {
    throw new Error(message);
  };
  const files = await Promise.all(
    parts.map((p) =>
      readKeyPatchesFile<KeyPatchPart>(path.dirname(p.file('keyPatches')), SHARD_PART_FILES.keyPatches, {
        fix: PROPOSE_AGAIN,
        pool,
        warn: refuse,
      }),
    ),
  );
  const claimed = new Map<number, string>();
  parts.forEach((p, i) => {
    const problem = partProblem(p.record.shard, p.record.samples, files[i], claimed);
    if (problem)
      refuse(
        `${problem.file === 'header' ? p.file('keyPatches') : keyPatchLines(p.file('keyPatches'))}: ${problem.why}; ${PROPOSE_AGAIN}`,
      );
  });
  const proposers = new Set(files.map((f) => f.proposer));
  if (proposers.size > 1)
    throw new Error(
      `the propose parts name different proposers (${[...proposers].join('; ')}); propose every shard again`,
    );
  const ours = files.flatMap((f) => f.patches.filter((p) => p.origin === 'auto'));
  const users = files
    .flatMap((f) => f.patches.filter((p) => p.origin === 'user').map((p, k) => ({ p, order: f.userOrder[k] })))
    .sort((a, b) => a.order - b.order)
    .map(({ p }) => p);
  const patches = [...ours, ...users].map((p, id) => ({ ...p, id }));
  return {
    file: {
      proposer: files[0].proposer,
      patches,
      ...(files[0].windows ? { windows: files[0].windows } : {}),
    },
    shards: parts.length,
    skipped: parts[0].record.facts.skipped,
  };
}
