// Notebook renderer benchmark, in headless Chromium (Debian's /usr/bin/chromium). For subsets of
// 1,000, 10,000 and 50,000 samples it measures, in the same run and interleaved:
//  - the baseline: JSON.parse of the same payload text in the same page (what any renderer pays);
//  - renderOutputItem: validate, build the view, draw the scatter plot and histogram (synchronous);
//  - first paint: render until two animation frames later (the canvas is on screen);
//  - a filter change (Show: selected, then all) and a recolouring (by difficulty);
//  - the DOM size (elements in the output's shadow root).
// Target: 10,000 samples render within 10x the JSON.parse baseline and under 500 ms, and a filter
// change under 100 ms. Times are medians of REPEATS runs; the spread (min..max) is the noise.
import {
  buildRendererBundle,
  CHROMIUM,
  chromiumAvailable,
  launch,
  openRendererPage,
} from '../../test/unit/renderer/browserPage';
import { makePayload } from '../../test/unit/renderer/payloads';

const SIZES = [1_000, 10_000, 50_000];
const REPEATS = 5;
const log = (m: string): boolean => process.stderr.write(`${m}\n`);

if (!chromiumAvailable()) {
  log(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set OPTIDEL_CHROMIUM)`);
  process.exit(1);
}

/** Runs in the page after a render: times a filter change and a recolouring through the real controls. */
const INTERACT_IN_PAGE = `(() => {
  const shadow = document.querySelector('#output').shadowRoot;
  const select = (label) => [...shadow.querySelectorAll('label')].find((l) => l.firstChild.textContent === label).querySelector('select');
  const time = (label, value) => {
    const control = select(label);
    const started = performance.now();
    control.value = value;
    control.dispatchEvent(new Event('change'));
    return performance.now() - started;
  };
  const filter = time('Show', 'selected') + time('Show', 'all');
  const recolour = time('Colour', 'difficulty');
  time('Colour', 'selection');
  return { filterMs: filter / 2, recolourMs: recolour, elements: shadow.querySelectorAll('*').length };
})()`;

const PARSE_IN_PAGE = `(() => { const started = performance.now(); JSON.parse(window.payloadText); return performance.now() - started; })()`;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[]): number[] =>
  [Math.min(...values), Math.max(...values)].map((v) => Number(v.toFixed(1)));

interface Row {
  samples: number;
  payloadMiB: number;
  elements: number;
  renderOverParse?: number;
  [measure: string]: number | number[] | undefined;
}

async function main(): Promise<void> {
  const bundle = await buildRendererBundle();
  const browser = await launch();
  const results: Row[] = [];
  try {
    for (const n of SIZES) {
      const text = JSON.stringify(makePayload(n, { thumbnails: Math.min(n, 400) }));
      const samples: Record<string, number[]> = {
        parseMs: [],
        renderMs: [],
        firstPaintMs: [],
        filterMs: [],
        recolourMs: [],
      };
      let elements = 0;
      for (let r = 0; r < REPEATS; r++) {
        const { page: p, render } = await openRendererPage(browser, bundle, 'light');
        const startedAt = Date.now();
        samples.renderMs!.push(await render(text)); // also stores window.payloadText
        samples.firstPaintMs!.push(Date.now() - startedAt);
        samples.parseMs!.push((await p.evaluate(PARSE_IN_PAGE)) as number);
        const interaction = (await p.evaluate(INTERACT_IN_PAGE)) as {
          filterMs: number;
          recolourMs: number;
          elements: number;
        };
        samples.filterMs!.push(interaction.filterMs);
        samples.recolourMs!.push(interaction.recolourMs);
        elements = interaction.elements;
        await p.close();
      }
      const row: Row = { samples: n, payloadMiB: Number((text.length / 2 ** 20).toFixed(2)), elements };
      for (const [key, values] of Object.entries(samples)) {
        row[key] = Number(median(values).toFixed(1));
        row[`${key}Spread`] = spread(values);
      }
      row.renderOverParse = Number(((row.renderMs as number) / (row.parseMs as number)).toFixed(1));
      log(
        `${n} samples: render ${row.renderMs} ms (${row.renderOverParse}x JSON.parse ${row.parseMs} ms), first paint ${row.firstPaintMs} ms, filter ${row.filterMs} ms, recolour ${row.recolourMs} ms, ${elements} elements`,
      );
      results.push(row);
    }
  } finally {
    await browser.close();
  }
  const tenK = results.find((r) => r.samples === 10_000)!;
  const targets = {
    'render 10k < 500 ms': (tenK.renderMs as number) < 500,
    'render 10k < 10x JSON.parse': (tenK.renderOverParse as number) < 10,
    'filter 10k < 100 ms': (tenK.filterMs as number) < 100,
  };
  process.stdout.write(`${JSON.stringify({ repeats: REPEATS, browser: CHROMIUM, results, targets })}\n`);
}

void main();
