/**
 * The notebook output's fallbacks for viewers without the OptiDEL renderer (GitHub, JupyterLab,
 * nbviewer, Colab): a static summary in HTML, with an SVG embedding map, a difficulty histogram
 * and a strip of the selected samples' thumbnails, and the numbers in plain text. Nothing in it
 * runs or is fetched, and every text from the payload is escaped. The Python package draws the
 * same picture for its `Subset` (python/optidel/subset.py).
 */
import type { SubsetPayload, SubsetSample } from '../../shared/subsetPayload';

const WIDTH = 320;
const HEIGHT = 200;
const BINS = 24;
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
  const charts = samples.length ? scatter(samples) + histogram(samples) : '';
  return (
    '<div class="optidel-subset">' +
    `<h4>${escape(payload.title ?? 'OptiDEL subset')}</h4>` +
    `<p>${escape(subsetText(payload))}</p>` +
    `<div>${charts}</div><div>${strip}</div></div>`
  );
}

function scatter(samples: readonly SubsetSample[]): string {
  const low = [0, 1].map((k) => least(samples.map((s) => s.embedding[k]!)));
  const span = [0, 1].map((k) => -least(samples.map((s) => -s.embedding[k]!)) - low[k]! || 1);
  // Unselected first, so the subset is drawn on top.
  const ordered = [...samples.filter((s) => !s.selected), ...samples.filter((s) => s.selected)];
  const dots = ordered.map((s) => {
    const x = (s.embedding[0] - low[0]!) / span[0]!;
    const y = (s.embedding[1] - low[1]!) / span[1]!;
    const cx = (8 + x * (WIDTH - 16)).toFixed(1);
    const cy = (HEIGHT - 8 - y * (HEIGHT - 16)).toFixed(1);
    return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.selected ? SELECTED : OTHER}"/>`;
  });
  return figure('Embedding map (PCA of the embeddings)', dots.join(''));
}

function histogram(samples: readonly SubsetSample[]): string {
  const d = samples.map((s) => s.difficulty);
  const low = least(d);
  const high = -least(d.map((v) => -v)) > low ? -least(d.map((v) => -v)) : low + 1;
  const bin = (v: number) => Math.min(BINS - 1, Math.floor(((v - low) / (high - low)) * BINS));
  const every = new Array<number>(BINS).fill(0);
  const chosen = new Array<number>(BINS).fill(0);
  for (const s of samples) {
    every[bin(s.difficulty)]!++;
    if (s.selected) chosen[bin(s.difficulty)]!++;
  }
  const top = Math.max(1, ...every);
  const w = WIDTH / BINS;
  const bars = every.flatMap((count, k) =>
    [
      [count, OTHER],
      [chosen[k]!, SELECTED],
    ].map(([c, colour]) => {
      const h = ((HEIGHT - 20) * (c as number)) / top;
      return `<rect x="${(k * w).toFixed(1)}" y="${(HEIGHT - 14 - h).toFixed(1)}" width="${(w - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`;
    }),
  );
  const labels =
    `<text x="0" y="${HEIGHT - 2}" font-size="10">${low.toPrecision(3)}</text>` +
    `<text x="${WIDTH}" y="${HEIGHT - 2}" font-size="10" text-anchor="end">${high.toPrecision(3)}</text>`;
  return figure('Difficulty: pool (grey), subset (orange)', bars.join('') + labels);
}

function figure(title: string, body: string): string {
  return (
    `<figure style="display:inline-block;margin:4px"><svg width="${WIDTH}" height="${HEIGHT}" role="img">` +
    `<title>${escape(title)}</title>${body}</svg><figcaption style="font-size:11px">${escape(title)}</figcaption></figure>`
  );
}

/** The smallest value (Math.min(...values) overflows the stack for large pools). */
function least(values: readonly number[]): number {
  return values.reduce((a, b) => Math.min(a, b), Infinity);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' };

/** As Python's html.escape: text and attribute values alike. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
