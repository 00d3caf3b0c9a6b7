/**
 * How a selection's relaxed picks are told to people: one sentence for the log, the command's
 * output and the gallery (browser-safe: no Node modules).
 */
import type { RelaxedPicks } from './artifacts';

export function relaxedCount(r: RelaxedPicks): number {
  return r.nearDuplicate + r.acquisitionCap + r.short;
}

/** How far the near-duplicate distance was lowered to fill the budget ('' when it was not). */
export function describeSpread(r: RelaxedPicks): string {
  if (!r.distanceHalvings || r.nearDuplicateDistance === undefined) return '';
  const start = r.nearDuplicateDistance * 2 ** r.distanceHalvings;
  return `picks spread at cosine distance ${r.nearDuplicateDistance.toPrecision(2)} (lowered from ${start.toPrecision(2)} in ${r.distanceHalvings} halving${r.distanceHalvings > 1 ? 's' : ''} to fill the budget)`;
}

/** One line for the log and the command's text output: which rules gave way, and by how many picks. */
export function describeRelaxed(r: RelaxedPicks): string {
  const spread = describeSpread(r);
  if (!relaxedCount(r))
    return `every key patch met the diversity rules (acquisition quotas, near-duplicate distance)${spread ? `; ${spread}` : ''}`;
  const parts = [
    r.nearDuplicate
      ? `${r.nearDuplicate} near-duplicates of selected samples (too few distinct samples within the quotas, even at the smallest distance)`
      : '',
    r.acquisitionCap
      ? `${r.acquisitionCap} beyond their acquisition's quota (quotas doubled ${r.capDoublings}x: the other acquisitions had no more patches)`
      : '',
    r.short ? `${r.short} short of the budget (no patches left outside exact duplicates)` : '',
  ];
  return `relaxed picks: ${parts.filter(Boolean).join('; ')}${spread ? `; ${spread}` : ''}`;
}
