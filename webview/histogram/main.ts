/**
 * Difficulty histogram: the pool's masked-reconstruction difficulty with the selected subset drawn
 * over it and the top-N cut-off marked; the same for key patches. Switch methods to compare.
 */
import type { RunViewData } from '../../src/shared/viewMessages';
import { connectToHost } from '../common/messaging';
import { createHistogram } from '../common/histogram';
import { el } from '../common/styles';
import { effectiveSelection, methodOptions, orderedMethods } from '../common/selection';
import { createShell, followHost, selectControl, showRunHeader } from '../common/viewShell';
import { describeSummary, summariseSubset } from './summary';

interface HistogramState {
  runDir: string;
  method: string;
  topN: number;
}

const host = connectToHost<HistogramState>();
const shell = createShell('Difficulty histogram');
followHost(shell, host);
let data: RunViewData | undefined;

const method = selectControl('Method', (v) => {
  host.saveState({ method: v, topN: undefined });
  draw();
});
const topNField = el('label', 'odl-field');
const topN = document.createElement('vscode-textfield') as HTMLElement & { value: string };
topN.setAttribute('type', 'number');
topN.setAttribute('min', '1');
topN.setAttribute('aria-label', 'Top N cut-off');
topNField.append(el('span', undefined, 'Top N cut-off'), topN);
topN.addEventListener('change', () => {
  const value = Number(topN.value);
  if (Number.isInteger(value) && value > 0) host.saveState({ topN: value });
  draw();
});
shell.toolbar.append(method.element, topNField);

const empty = el('div', 'odl-empty', 'Waiting for the run data…');
const samplesTitle = el('h2', undefined, 'Samples');
const samplesHost = el('div');
const samplesNote = el('p', 'odl-note');
const patchesTitle = el('h2', undefined, 'Key patches');
const patchesHost = el('div');
const patchesNote = el('p', 'odl-note');
shell.body.append(empty, samplesTitle, samplesHost, samplesNote, patchesTitle, patchesHost, patchesNote);
const sampleHistogram = createHistogram(samplesHost, {
  xLabel: 'difficulty (masked reconstruction error)',
  labels: { all: 'All samples', highlighted: 'Selected' },
  ariaLabel: 'Histogram of sample difficulty; arrow keys read the bins',
});
const patchHistogram = createHistogram(patchesHost, {
  xLabel: 'key-patch difficulty',
  labels: { all: 'All key patches', highlighted: 'Selected patches' },
  ariaLabel: 'Histogram of key-patch difficulty; arrow keys read the bins',
  height: 180,
});

function draw(): void {
  const difficulty = data?.difficulty;
  const hasData = Boolean(difficulty);
  empty.hidden = hasData;
  for (const node of [samplesTitle, samplesHost, samplesNote]) node.hidden = !hasData;
  if (!data || !difficulty) {
    empty.textContent = data?.samples
      ? 'No difficulty scores yet: they are written by the score stage.'
      : 'No samples yet: run the ingest and score stages.';
    patchesTitle.hidden = patchesHost.hidden = patchesNote.hidden = true;
    return;
  }
  const selection = data.selections.find((s) => s.method === method.value);
  const subset = [...effectiveSelection(selection)].filter((id) => id < difficulty.length);
  const n = host.state.topN ?? (subset.length || Math.max(1, Math.round(difficulty.length * 0.05)));
  topN.value = String(n);
  const summary = summariseSubset(difficulty, subset, n);
  sampleHistogram.update({
    values: difficulty,
    highlighted: selection ? subset : undefined,
    cutoff: summary.cutoff,
    cutoffLabel: `top ${n}`,
  });
  samplesNote.textContent = selection
    ? describeSummary(summary, 'samples', n)
    : 'No selection yet: run the select stage to see the subset here.';

  const patches = data.keyPatches?.filter((p) => p.difficulty !== undefined && Number.isFinite(p.difficulty));
  patchesTitle.hidden = patchesHost.hidden = patchesNote.hidden = !patches?.length;
  if (!patches?.length) return;
  const patchValues = Float32Array.from(patches, (p) => p.difficulty!);
  const chosen = new Set(selection?.patches ?? []);
  const highlighted = patches.flatMap((p, k) => (chosen.has(p.id) ? [k] : []));
  const topPatches = highlighted.length || Math.max(1, Math.round(patches.length * 0.05));
  const patchSummary = summariseSubset(patchValues, highlighted, topPatches);
  patchHistogram.update({
    values: patchValues,
    highlighted: selection?.patches ? highlighted : undefined,
    cutoff: patchSummary.cutoff,
    cutoffLabel: `top ${topPatches}`,
  });
  patchesNote.textContent = selection?.patches
    ? describeSummary(patchSummary, 'key patches', topPatches)
    : `${patches.length} key patches; ${method.value || 'this method'} does not select patches.`;
}

host.on('data', ({ data: next }) => {
  data = next;
  host.saveState({ runDir: next.runDir });
  showRunHeader(shell, next);
  const methods = orderedMethods(next.selections);
  method.setOptions(
    methodOptions(next.selections),
    methods.includes(host.state.method ?? '') ? host.state.method : undefined,
  );
  draw();
});
host.post({ type: 'ready' });
