/** What a benchmark method selects with: `full` and `scratch` select nothing; `optidel-<difficulty>` is OptiDEL by that difficulty score. */
import { DIFFICULTY_SCORES, SELECTION_METHOD_NAMES, type DifficultyScore } from '../../shared/commands';
import type { SelectionMethod } from '../selection/methods';

export interface BenchSelector {
  method: SelectionMethod;
  /** The difficulty score it selects by; absent: the one the pool was scored with. */
  difficulty?: DifficultyScore;
}

/** The selector behind a benchmark method; undefined for `full` (the whole pool) and `scratch` (no pre-training). */
export function selectorOf(benchMethod: string): BenchSelector | undefined {
  if (benchMethod === 'full') return undefined;
  if ((SELECTION_METHOD_NAMES as readonly string[]).includes(benchMethod))
    return { method: benchMethod as SelectionMethod };
  const difficulty = /^optidel-(.+)$/.exec(benchMethod)?.[1];
  return difficulty && (DIFFICULTY_SCORES as readonly string[]).includes(difficulty)
    ? { method: 'optidel', difficulty: difficulty as DifficultyScore }
    : undefined;
}
