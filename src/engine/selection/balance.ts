/**
 * Balanced selection (`select --balance-by COLUMN`): the budget is split across the values of one
 * metadata column (a site, a scanner) in proportion to each value's share of the pool, by largest
 * remainder so every part is within one sample of its exact share and the parts add up to the
 * budget; each part is then chosen by the method from that value's samples alone. The parts'
 * picks are interleaved by how far each part has come (pick k of a part of b at (k + ½) / b), so
 * the first picks of the selection order stay balanced too.
 */
import type { RelaxedPicks, SelectionHierarchy } from '../../shared/artifacts';
import { resolveBudget } from './budget';
import {
  selectSubset,
  type SelectionInput,
  type SelectionMethod,
  type SelectionOptions,
  type SelectionResult,
} from './methods';
import { gatherRows, rowCount } from './vectors';
import { appendAll } from '../../shared/appendAll';

export interface BalanceColumn {
  name: string;
  values: readonly string[];
  /** Per sample, the index of its value. */
  of: ArrayLike<number>;
}

/** Counts summing to `total`, each within one of total·count/N (largest remainder; ties to the earlier value). */
export function proportionalShares(counts: readonly number[], total: number): number[] {
  const n = counts.reduce((s, c) => s + c, 0);
  if (n === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c * total) / n);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((s, c) => s + c, 0);
  const byRemainder = exact.map((_, k) => k).sort((a, b) => exact[b] - shares[b] - (exact[a] - shares[a]) || a - b);
  for (const k of byRemainder) {
    if (left <= 0) break;
    if (shares[k] < counts[k]) {
      shares[k]++;
      left--;
    }
  }
  return shares;
}

export function balancedSelect(
  method: SelectionMethod,
  input: SelectionInput,
  options: SelectionOptions,
  column: BalanceColumn,
): SelectionResult {
  const n = rowCount(input.embeddings, input.dim);
  const members: number[][] = column.values.map(() => []);
  for (let i = 0; i < n; i++) members[column.of[i]]!.push(i);
  const budget = resolveBudget(options.budget, n);
  const shares = proportionalShares(
    members.map((m) => m.length),
    budget,
  );
  const picks: Array<{ id: number; at: number }> = [];
  const patches: number[] = [];
  const details: Record<string, number> = {};
  let relaxed: RelaxedPicks | undefined;
  let hierarchy: SelectionHierarchy | undefined;
  members.forEach((rows, k) => {
    const share = shares[k]!;
    if (share === 0) return;
    const local = new Map(rows.map((id, j) => [id, j]));
    const part = selectSubset(method, subset(input, rows, local), {
      ...options,
      // As a fraction of the part, so a share of 1 is one sample, not the whole part.
      budget: share / rows.length,
    });
    part.selected.forEach((j, p) => picks.push({ id: rows[j]!, at: (p + 0.5) / share }));
    appendAll(patches, part.patches ?? []);
    for (const [key, v] of Object.entries(part.details)) details[key] = (details[key] ?? 0) + v;
    if (part.relaxed) relaxed = addRelaxed(relaxed, part.relaxed);
    if (part.hierarchy) hierarchy = addHierarchy(hierarchy, part.hierarchy);
  });
  picks.sort((a, b) => a.at - b.at || a.id - b.id);
  return {
    selected: picks.map((p) => p.id),
    ...(method === 'optidel' ? { patches } : {}),
    details,
    ...(relaxed ? { relaxed } : {}),
    ...(hierarchy ? { hierarchy } : {}),
  };
}

/** The parts' trees side by side: as deep as the deepest, their leaves together. */
function addHierarchy(a: SelectionHierarchy | undefined, b: SelectionHierarchy): SelectionHierarchy {
  if (!a) return { ...b };
  return { branching: b.branching, levels: Math.max(a.levels, b.levels), leaves: a.leaves + b.leaves };
}

/** The rows `rows` of the input, their key patches pointing at their new places. */
function subset(input: SelectionInput, rows: readonly number[], local: ReadonlyMap<number, number>): SelectionInput {
  return {
    embeddings: gatherRows(input.embeddings, input.dim, rows),
    dim: input.dim,
    difficulty: Float32Array.from(rows, (i) => input.difficulty[i]),
    sources: rows.map((i) => input.sources[i]!),
    keyPatches: input.keyPatches
      ?.filter((p) => local.has(p.sampleId))
      .map((p) => ({ ...p, sampleId: local.get(p.sampleId)! })),
  };
}

function addRelaxed(a: RelaxedPicks | undefined, b: RelaxedPicks): RelaxedPicks {
  if (!a) return { ...b };
  return {
    nearDuplicate: a.nearDuplicate + b.nearDuplicate,
    acquisitionCap: a.acquisitionCap + b.acquisitionCap,
    capDoublings: Math.max(a.capDoublings, b.capDoublings),
    short: a.short + b.short,
  };
}
