/** What the histogram view writes under its plots: how hard the subset is against the pool. Pure. */
import { topNCutoff } from '../common/histogramBins';

export interface SubsetSummary {
  poolMean: number;
  subsetMean: number;
  subsetCount: number;
  cutoff?: number;
  /** Fraction of the subset at or above the top-N cut-off. */
  aboveCutoff: number;
}

export function summariseSubset(values: ArrayLike<number>, subset: ArrayLike<number>, topN: number): SubsetSummary {
  let poolSum = 0,
    poolCount = 0;
  for (let i = 0; i < values.length; i++)
    if (Number.isFinite(values[i]!)) {
      poolSum += values[i]!;
      poolCount++;
    }
  const cutoff = topNCutoff(values, topN);
  let sum = 0,
    count = 0,
    above = 0;
  for (let j = 0; j < subset.length; j++) {
    const v = values[subset[j]!];
    if (v === undefined || !Number.isFinite(v)) continue;
    sum += v;
    count++;
    if (cutoff !== undefined && v >= cutoff) above++;
  }
  return {
    poolMean: poolCount ? poolSum / poolCount : NaN,
    subsetMean: count ? sum / count : NaN,
    subsetCount: count,
    cutoff,
    aboveCutoff: count ? above / count : 0,
  };
}

export function describeSummary(s: SubsetSummary, what: string, topN: number): string {
  if (!s.subsetCount) return `No ${what} selected.`;
  return `${s.subsetCount} selected ${what}: mean difficulty ${s.subsetMean.toPrecision(3)} against ${s.poolMean.toPrecision(3)} for all; ${Math.round(s.aboveCutoff * 100)}% are among the ${topN} hardest.`;
}
