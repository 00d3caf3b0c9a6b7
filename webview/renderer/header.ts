/** The output's heading and its numbers: pool, budget, selected, V-information. Text only, never HTML. */
import { el } from '../common/styles';
import { subsetMethodLabel, type SubsetPayload } from '../../src/shared/subsetPayload';

export interface HeaderView {
  readonly element: HTMLElement;
  /** Shows the numbers of `method`'s subset. */
  update(method: string, selectedCount: number): void;
}

export function createHeader(payload: SubsetPayload): HeaderView {
  const element = el('header');
  const title = el('h3', undefined, payload.title ?? `OptiDEL subset${payload.run ? ` · ${payload.run.id}` : ''}`);
  const stats = el('dl', 'ods-stats');
  element.append(title, stats);
  const s = payload.summary;

  const stat = (label: string, value: string, tooltip?: string): void => {
    const box = el('div', 'ods-stat');
    const dd = el('dd', undefined, value);
    if (tooltip) box.title = tooltip;
    box.append(el('dt', undefined, label), dd);
    stats.append(box);
  };

  return {
    element,
    update(method, selectedCount) {
      stats.replaceChildren();
      stat(
        'Pool',
        formatCount(s.poolSize),
        s.poolSize > payload.samples.length
          ? `${formatCount(payload.samples.length)} of them in this output`
          : undefined,
      );
      stat('Budget', formatBudget(s.budget, s.poolSize));
      stat(
        'Selected',
        `${formatCount(selectedCount)} (${formatPercent(selectedCount, s.poolSize)})`,
        selectedTooltip(method, s.synthesized),
      );
      stat('Method', subsetMethodLabel(payload, method));
      // V-information is a property of the exported subset only; other methods' values are not in the payload.
      if (s.vInformation && method === s.method) {
        const v = s.vInformation;
        stat(
          'V-information',
          `${v.value.toFixed(4)} nats`,
          `H(Y|∅) ${v.hYEmpty.toFixed(4)} − H(Y|X) ${v.hYGivenX.toFixed(4)}, per masked patch value`,
        );
      }
      if (s.synthesized !== undefined) stat('Synthesised', formatCount(s.synthesized));
    },
  };
}

/** OptiDEL keeps more pool images than its budget by design: the budget counts the mosaics made from their key patches. */
function selectedTooltip(method: string, synthesized: number | undefined): string {
  return method === 'optidel' && synthesized
    ? `by optidel: the pool images holding the key patches of the ${formatCount(synthesized)} generated images (the budget counts those)`
    : `by ${method}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A budget is a fraction of the pool (<= 1) or a count. */
export function formatBudget(budget: number, poolSize: number): string {
  return budget <= 1 ? `${formatPercent(budget * poolSize, poolSize)} of pool` : `${formatCount(budget)} samples`;
}

function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  const p = (100 * part) / whole;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}
