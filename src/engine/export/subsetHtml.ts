/**
 * The notebook output's fallbacks for viewers without the OptiDEL renderer (GitHub, JupyterLab,
 * nbviewer, Colab): a static summary in HTML, with an SVG embedding map, a difficulty histogram
 * and a strip of the selected samples' thumbnails, and the numbers in plain text. Nothing in it
 * runs or is fetched, and every text from the payload is escaped. The Python package draws the
 * same picture for its `Subset` (python/optidel/subset.py).
 */
import type { SubsetPayload, SubsetSample } from '../../shared/subsetPayload';
import { histogram, PANEL, scatterPoints } from './subsetCharts';

const SELECTED = '#d9480f';
const OTHER = '#868e96';

/** What a reader without the renderer sees as text: the numbers in one line. */
export function subsetText(payload: SubsetPayload): string {
  const s = payload.summary;
  const v = s.vInformation ? `, V-information ${s.vInformation.value.toFixed(4)} nats` : '';
  return `OptiDEL subset (${s.method}): ${s.selectedCount} of ${s.poolSize} samples selected (budget ${s.budget})${v}.`;
}

export function subsetHtml(payload: SubsetPayload): string {
  const samples = payload.samples;
  const strip = samples
    .filter((s) => s.selected && s.thumbnail)
    .map(
      (s) =>
        `<img src="${escape(s.thumbnail!)}" width="48" height="48" style="image-rendering:pixelated;margin:1px" ` +
        `title="${escape(`${s.id} ${s.provenance?.source ?? ''}`)}" alt="sample ${s.id}"/>`,
    )
    .join('');
  const charts = samples.length ? scatter(samples) + histogramSvg(samples) : '';
  return (
    '<div class="optidel-subset">' +
    `<h4>${escape(payload.title ?? 'OptiDEL subset')}</h4>` +
    `<p>${escape(subsetText(payload))}</p>` +
    `<div>${charts}</div><div>${strip}</div></div>`
  );
}

function scatter(samples: readonly SubsetSample[]): string {
  const dots = scatterPoints(samples).map(
    (p) => `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="2.5" fill="${p.selected ? SELECTED : OTHER}"/>`,
  );
  return figure('Embedding map (PCA of the embeddings)', dots.join(''));
}

function histogramSvg(samples: readonly SubsetSample[]): string {
  const { low, high, every, chosen } = histogram(samples);
  const top = Math.max(1, ...every);
  const w = PANEL.width / PANEL.bins;
  const bars = every.flatMap((count, k) =>
    [
      [count, OTHER],
      [chosen[k]!, SELECTED],
    ].map(([c, colour]) => {
      const h = ((PANEL.height - 20) * (c as number)) / top;
      return `<rect x="${(k * w).toFixed(1)}" y="${(PANEL.height - 14 - h).toFixed(1)}" width="${(w - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`;
    }),
  );
  const labels =
    `<text x="0" y="${PANEL.height - 2}" font-size="10">${low.toPrecision(3)}</text>` +
    `<text x="${PANEL.width}" y="${PANEL.height - 2}" font-size="10" text-anchor="end">${high.toPrecision(3)}</text>`;
  return figure('Difficulty: pool (grey), subset (orange)', bars.join('') + labels);
}

function figure(title: string, body: string): string {
  return (
    `<figure style="display:inline-block;margin:4px"><svg width="${PANEL.width}" height="${PANEL.height}" role="img">` +
    `<title>${escape(title)}</title>${body}</svg><figcaption style="font-size:11px">${escape(title)}</figcaption></figure>`
  );
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' };

/** As Python's html.escape: text and attribute values alike. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
