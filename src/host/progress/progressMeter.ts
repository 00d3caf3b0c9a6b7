/**
 * One progress bar for a command whose engine reports progress at two levels: the pipeline's own
 * events (stage `run`, "stage 3 of 7, score") and each stage's events inside it ("step 40/200").
 * Both arrive on the same request, so a bar fed each event's own fraction is full after the first
 * stage. The meter places each stage's fraction inside that stage's share of the bar, the share
 * being the stage's weight (its expected time), so the bar means time. Free of `vscode`.
 */
import type { RunRecord } from '../../shared/runRecord';

export interface ProgressStep {
  stage: string;
  done: number;
  total: number;
  message?: string;
}

/** The outer level: the stage name its events carry, and the stages in order with their weights. */
export interface ProgressPlan {
  outer: string;
  stages: ReadonlyArray<readonly [stage: string, weight: number]>;
}

function fractionOf(step: ProgressStep): number {
  return step.total > 0 ? Math.min(1, Math.max(0, step.done / step.total)) : 0;
}

export class ProgressMeter {
  private reported = 0;
  private current = -1;
  private inner = 0;
  private readonly totalWeight: number;

  constructor(private readonly plan?: ProgressPlan) {
    this.totalWeight = plan ? plan.stages.reduce((sum, [, w]) => sum + w, 0) : 0;
  }

  /** The bar's fraction (0 to 1) after `step`; it never goes back. */
  update(step: ProgressStep): number {
    this.reported = Math.max(this.reported, this.fraction(step));
    return this.reported;
  }

  private fraction(step: ProgressStep): number {
    const plan = this.plan;
    if (!plan || this.totalWeight <= 0) return fractionOf(step);
    if (step.stage === plan.outer) {
      if (step.total > 0 && step.done >= step.total) return 1;
      const index = plan.stages.findIndex(([name]) => name === step.message);
      if (index >= 0 && index !== this.current) {
        this.current = index;
        this.inner = 0;
      }
    } else if (this.current >= 0) {
      // A stage may report in several phases (propose: windows, then patches): its part only grows.
      this.inner = Math.max(this.inner, fractionOf(step));
    }
    if (this.current < 0) return 0;
    const before = plan.stages.slice(0, this.current).reduce((sum, [, w]) => sum + w, 0);
    return (before + plan.stages[this.current][1] * this.inner) / this.totalWeight;
  }
}

/**
 * Expected time of each pipeline stage when the workspace has no timed run yet: a guess that the
 * two stages that train a model take ten times as long as a pass over the pool.
 */
const UNTIMED_WEIGHTS: Readonly<Record<string, number>> = { pretrain: 10, train: 10 };

/**
 * The pipeline's stages weighted by the seconds each took in the newest run that timed them all
 * (the same pool usually takes about the same time again), else by the untimed guess.
 */
export function pipelineWeights(
  stages: readonly string[],
  newestFirst: ReadonlyArray<RunRecord | undefined>,
): Array<[string, number]> {
  const timed = newestFirst.find((record) =>
    stages.every((stage) => {
      const s = record?.stages[stage as keyof RunRecord['stages']];
      return s?.status === 'done' && typeof s.seconds === 'number' && s.seconds > 0;
    }),
  );
  return stages.map((stage) => [
    stage,
    timed ? timed.stages[stage as keyof RunRecord['stages']]!.seconds! : (UNTIMED_WEIGHTS[stage] ?? 1),
  ]);
}
