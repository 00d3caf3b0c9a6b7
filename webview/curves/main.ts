/**
 * Training curves: every metric the run's trainings logged (metrics/*.jsonl: pre-training loss and
 * learning rate, fine-tuning scores, the benchmark's encoders side by side), one chart per metric,
 * one line per training, updated while a stage runs (the host re-sends the data when a metrics
 * file changes).
 */
import type { MetricSeries } from '../../src/shared/metrics';
import type { RunViewData } from '../../src/shared/viewMessages';
import { connectToHost } from '../common/messaging';
import { el } from '../common/styles';
import { createShell, followHost, selectControl, showRunHeader } from '../common/viewShell';
import { createLineChart } from './lineChart';

interface CurvesState {
  runDir: string;
  metric: string;
  logY: boolean;
}

const host = connectToHost<CurvesState>();
const shell = createShell('Training curves');
followHost(shell, host);
let data: RunViewData | undefined;

const metric = selectControl('Metric', (v) => {
  host.saveState({ metric: v });
  draw();
});
const logField = el('label', 'odl-field');
const logY = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
logY.setAttribute('label', 'Log scale');
logY.checked = host.state.logY ?? false;
logY.addEventListener('change', () => {
  host.saveState({ logY: logY.checked });
  draw();
});
logField.append(el('span', undefined, 'Y axis'), logY);
shell.toolbar.append(metric.element, logField);

const empty = el('div', 'odl-empty', 'Waiting for the run data…');
const chartHost = el('div');
const note = el('p', 'odl-note');
shell.body.append(empty, chartHost, note);
const chart = createLineChart(chartHost);

/** Loss first, then the learning rate, then the rest by name: the order people look in. */
function metricNames(series: readonly MetricSeries[]): string[] {
  const rank = (name: string) => (name === 'loss' ? 0 : name === 'lr' ? 1 : 2);
  return [...new Set(series.map((s) => s.name))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function draw(): void {
  const series = data?.metrics ?? [];
  empty.hidden = series.length > 0;
  chartHost.hidden = note.hidden = series.length === 0;
  if (!series.length) {
    empty.textContent = data
      ? 'No training metrics yet: pre-training, training and fine-tuning write them to metrics/ as they run.'
      : 'Waiting for the run data…';
    return;
  }
  const shown = series.filter((s) => s.name === metric.value);
  chart.update(
    shown.map((s) => ({ label: s.run, steps: s.steps, values: s.values })),
    { logY: logY.checked, yLabel: metric.value },
  );
  const last = shown.map((s) => s.steps.at(-1) ?? 0);
  note.textContent = `${shown.length} training(s); last logged step ${Math.max(...last)}. The chart follows the run while a stage writes metrics.`;
}

host.on('data', ({ data: next }) => {
  data = next;
  host.saveState({ runDir: next.runDir });
  showRunHeader(shell, next);
  const names = metricNames(next.metrics ?? []);
  metric.setOptions(
    names.map((n) => ({ value: n, label: n })),
    names.includes(host.state.metric ?? '') ? host.state.metric : undefined,
  );
  draw();
});
window.addEventListener('resize', () => draw());
host.post({ type: 'ready' });
