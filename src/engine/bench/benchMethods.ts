/** What a benchmark method selects with: `full` and `scratch` select nothing; `optidel-<difficulty>` is OptiDEL by that difficulty score; `optidel-<step>` is OptiDEL up to one step of generation (the ablation). */
import {
  ABLATION_BENCH_METHODS,
  DIFFICULTY_SCORES,
  GENERATION_STEP_NAMES,
  SELECTION_METHOD_NAMES,
  type DifficultyScore,
  type GenerationStep,
  type OptidelImages,
} from '../../shared/commands';
import { isDeepStrictEqual } from 'node:util';
import type { SelectionMethod } from '../selection/methods';

/**
 * OptiDEL's ablation arms, each adding one step of generation to the one before: the selected pool
 * images as they are; their key patches' mosaics; those mosaics with a fraction hardened adversarially;
 * and those re-selected and re-generated with the encoder in training between collaborative rounds
 * (pipeline/collaborativeRounds.ts). `adversarial: true` hardens at the bench's --optidel-adversarial
 * fraction, or ABLATION_ADVERSARIAL_FRACTION when that is 0 (so the arm always differs from `optidel-mosaics`).
 */
export const GENERATION_STEPS: Record<GenerationStep, { images: OptidelImages; adversarial: boolean; rounds: number }> =
  {
    selected: { images: 'selected', adversarial: false, rounds: 1 },
    mosaics: { images: 'mosaics', adversarial: false, rounds: 1 },
    adversarial: { images: 'mosaics', adversarial: true, rounds: 1 },
    rounds: { images: 'mosaics', adversarial: true, rounds: 2 },
  };
export const ABLATION_ADVERSARIAL_FRACTION = 0.25;

export interface BenchSelector {
  method: SelectionMethod;
  /** The difficulty score it selects by; absent: the one the pool was scored with. */
  difficulty?: DifficultyScore;
  /** The generation steps it stops after; absent: the bench's --optidel-images and --optidel-adversarial. */
  generation?: GenerationStep;
}

/** The accepted method names, for messages. */
export const BENCH_METHOD_HINT = `${SELECTION_METHOD_NAMES.join(', ')}, optidel-<difficulty> (${DIFFICULTY_SCORES.join(', ')}) or optidel-<step> (${GENERATION_STEP_NAMES.join(', ')})`;

/** The selector behind a benchmark method; undefined for `full` (the whole pool), `scratch` (no pre-training) and unknown names. */
export function selectorOf(benchMethod: string): BenchSelector | undefined {
  if (benchMethod === 'full') return undefined;
  if ((SELECTION_METHOD_NAMES as readonly string[]).includes(benchMethod))
    return { method: benchMethod as SelectionMethod };
  const variant = /^optidel-(.+)$/.exec(benchMethod)?.[1];
  if (!variant) return undefined;
  if ((DIFFICULTY_SCORES as readonly string[]).includes(variant))
    return { method: 'optidel', difficulty: variant as DifficultyScore };
  if ((GENERATION_STEP_NAMES as readonly string[]).includes(variant))
    return { method: 'optidel', generation: variant as GenerationStep };
  return undefined;
}

/** What an OptiDEL arm trains on: its own generation steps, or the bench's settings (in one round) for the others. */
export function generationOf(
  selector: BenchSelector,
  bench: { images: OptidelImages; adversarialFraction: number },
): { images: OptidelImages; adversarialFraction: number; rounds: number } {
  // The bench hardens generated images only (selectionSource.ts): pool images as they are stay so.
  if (!selector.generation)
    return { ...bench, adversarialFraction: bench.images === 'selected' ? 0 : bench.adversarialFraction, rounds: 1 };
  const step = GENERATION_STEPS[selector.generation];
  const fraction = bench.adversarialFraction > 0 ? bench.adversarialFraction : ABLATION_ADVERSARIAL_FRACTION;
  return { images: step.images, adversarialFraction: step.adversarial ? fraction : 0, rounds: step.rounds };
}

type BenchGeneration = Parameters<typeof generationOf>[1];

/**
 * The ablation arms among `methods`, with plain `optidel` (the bench's own settings), in the order
 * their steps add up: pool images before mosaics, unhardened before hardened, one round before two.
 * Plain `optidel` stands where its settings put it (at the defaults, after the hardened mosaics and
 * before the rounds); an arm it ties with stays before it.
 */
export function ablationLadder(methods: readonly string[], bench: BenchGeneration): string[] {
  const rank = (m: string) => {
    const g = generationOf(selectorOf(m)!, bench);
    return [g.images === 'selected' ? 0 : 1, g.adversarialFraction > 0 ? 1 : 0, g.rounds];
  };
  const byRank = (a: string, b: string) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra.map((r, i) => r - rb[i]).find((d) => d !== 0) ?? 0;
  };
  return [...ABLATION_BENCH_METHODS, 'optidel'].filter((m) => methods.includes(m)).sort(byRank);
}

/**
 * The ablation arms among `methods` that train on exactly what plain `optidel` does at the bench's
 * settings (at the defaults, `optidel-adversarial`): training them again would only repeat its row.
 */
export function armsSameAsOptidel(methods: readonly string[], bench: BenchGeneration): string[] {
  if (!methods.includes('optidel')) return [];
  const whole = generationOf(selectorOf('optidel')!, bench);
  return ABLATION_BENCH_METHODS.filter(
    (m) => methods.includes(m) && isDeepStrictEqual(generationOf(selectorOf(m)!, bench), whole),
  );
}
