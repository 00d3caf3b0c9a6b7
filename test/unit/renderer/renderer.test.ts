/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The notebook renderer in a DOM (happy-dom) with a fake renderer context: valid payloads render
 * the header, charts, thumbnails and details; filters and hover act; malformed payloads show a
 * readable error in the cell; payload text never becomes HTML; 10,000 samples keep the DOM small;
 * messaging carries "open in gallery" and the test-only DOM request.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RendererApi } from 'vscode-notebook-renderer';
import type { RenderedOutputsMessage } from '../../../src/shared/rendererMessages';
import type { SubsetPayload } from '../../../src/shared/subsetPayload';
import { installFakeDom, type FakeDom } from './fakeDom';
import { fakeContext, outputItem, type FakeRendererContext } from './fakeRenderer';
import { makePayload } from './payloads';

let dom: FakeDom;
let activate: (typeof import('../../../webview/renderer/main'))['activate'];

before(async () => {
  dom = installFakeDom();
  // Imported after the DOM exists: d3 and the charts look for `document` when they run.
  ({ activate } = await import('../../../webview/renderer/main'));
});
after(async () => {
  await dom.close();
});

interface Rendered {
  api: RendererApi;
  fake: FakeRendererContext;
  element: HTMLElement;
  shadow: ShadowRoot;
}

async function render(
  payload: unknown,
  options: { messaging?: boolean; id?: string; raw?: string } = {},
): Promise<Rendered> {
  const fake = fakeContext({ messaging: options.messaging ?? true });
  const api = (await activate(fake.context))!;
  const element = document.createElement('div');
  document.body.append(element);
  await api.renderOutputItem(
    outputItem(options.id ?? 'out-1', options.raw ?? JSON.stringify(payload)),
    element,
    new AbortController().signal,
  );
  return { api, fake, element, shadow: element.shadowRoot! };
}

function text(node: ParentNode): string {
  return (node.textContent ?? '').replace(/\s+/g, ' ');
}

function change(control: HTMLInputElement | HTMLSelectElement, value: string): void {
  control.value = value;
  control.dispatchEvent(new Event(control instanceof HTMLSelectElement ? 'change' : 'input'));
}

function selectLabelled(shadow: ShadowRoot, label: string): HTMLSelectElement {
  const found = [...shadow.querySelectorAll('label')].find((l) => l.firstChild?.textContent === label);
  assert.ok(found, `no control labelled ${label}`);
  return found.querySelector('select, input') as HTMLSelectElement;
}

async function askDom(r: Rendered): Promise<RenderedOutputsMessage> {
  r.fake.posted.length = 0;
  r.fake.send({ type: 'test.getRenderedOutputs', requestId: 7 });
  const reply = r.fake.posted.find((m) => (m as { type?: string }).type === 'test.renderedOutputs') as
    RenderedOutputsMessage | undefined;
  assert.ok(reply, 'the renderer answered the test message');
  return reply;
}

describe('renderer: a valid payload', () => {
  it('shows the numbers, both charts, the thumbnails and draws the points', async () => {
    const payload = makePayload(300);
    const r = await render(payload);
    const all = text(r.shadow);
    assert.match(all, /Test subset of 300/);
    assert.match(all, /Pool\s*300/);
    assert.match(all, new RegExp(`Selected\\s*${payload.summary.selectedCount} \\(`));
    assert.match(all, /V-information\s*0\.5000 nats/);
    assert.match(all, /300 of 300 samples shown/);
    assert.equal(r.shadow.querySelectorAll('.ods-strip img').length, 40);
    assert.ok(r.shadow.querySelector('.odl-scatter canvas'), 'the shared scatter plot is there');
    assert.ok(
      r.shadow.querySelectorAll('.odl-hist rect.odl-bar-sel').length > 0,
      'the shared histogram drew the selected bars',
    );
    assert.equal(r.shadow.querySelector('[role=alert]'), null);

    const reply = await askDom(r);
    assert.equal(reply.requestId, 7);
    assert.equal(reply.outputs.length, 1);
    const out = reply.outputs[0]!;
    assert.equal(out.outputId, 'out-1');
    assert.equal(out.status, 'rendered');
    assert.deepEqual(out.counts, { samples: 300, shown: 300, thumbnails: 40 });
    assert.ok((out.scatterInkPixels ?? 0) > 300, `the scatter canvas has ink (${out.scatterInkPixels} pixels)`);
    assert.match(out.html, /class="ods"/);
    assert.ok(
      out.text.includes(`Pool 300 Budget 20% of pool Selected ${payload.summary.selectedCount} (`),
      out.text.slice(0, 200),
    );
    assert.doesNotMatch(out.text, /0\.00\d+ to 0\.0\d+: \d+ shown/, 'SVG tooltips are not part of the visible text');
  });

  it('filters by selection, method, text and difficulty, and every part follows', async () => {
    const payload = makePayload(200);
    const r = await render(payload);
    const selectedCount = payload.samples.filter((s) => s.selected).length;

    change(selectLabelled(r.shadow, 'Show'), 'selected');
    assert.match(text(r.shadow), new RegExp(`${selectedCount} of 200 samples shown`));
    const stripIds = [...r.shadow.querySelectorAll('.ods-strip img')].map((img) =>
      Number(/Sample (\d+)/.exec(img.getAttribute('alt')!)![1]),
    );
    assert.ok(
      stripIds.length > 0 && stripIds.every((id) => payload.samples[id]!.selected),
      'only selected samples in the strip',
    );

    change(selectLabelled(r.shadow, 'Method'), 'random');
    const randomCount = payload.samples.filter((s) => s.selectedBy?.includes('random')).length;
    assert.match(text(r.shadow), new RegExp(`${randomCount} of 200 samples shown`));
    assert.match(text(r.shadow), new RegExp(`Selected\\s*${randomCount} \\(`));
    assert.doesNotMatch(text(r.shadow), /V-information/, 'the payload has no V-information for random');

    change(selectLabelled(r.shadow, 'Show'), 'all');
    change(selectLabelled(r.shadow, 'Find'), 'patient-02');
    assert.match(text(r.shadow), /50 of 200 samples shown/);

    change(selectLabelled(r.shadow, 'Find'), '');
    const median = [...payload.samples.map((s) => s.difficulty)].sort((a, b) => a - b)[100]!;
    change(selectLabelled(r.shadow, 'Difficulty ≥'), String(median));
    const harder = payload.samples.filter((s) => s.difficulty >= median).length;
    assert.match(text(r.shadow), new RegExp(`${harder} of 200 samples shown`));
    const reply = await askDom(r);
    assert.equal(reply.outputs[0]!.counts.shown, harder);
  });

  it('names a hierarchical selection as such, in the header and the method picker', async () => {
    const payload = makePayload(40);
    payload.summary.hierarchical = { random: { branching: 32, levels: 2, leaves: 12 } };
    const r = await render(payload);
    const method = selectLabelled(r.shadow, 'Method');
    assert.deepEqual(
      [...method.options].map((o) => [o.value, o.textContent]),
      [
        ['optidel', 'optidel'],
        ['random', 'random (hierarchical, 2 levels)'],
      ],
    );
    const shownMethod = () =>
      [...r.shadow.querySelectorAll('.ods-stat')]
        .find((s) => s.querySelector('dt')?.textContent === 'Method')
        ?.querySelector('dd')?.textContent;
    assert.equal(shownMethod(), 'optidel', 'the exact one as it is');
    change(method, 'random');
    assert.equal(shownMethod(), 'random (hierarchical, 2 levels)');
  });

  it('hovering a thumbnail shows the sample; "Open in Gallery" asks the host', async () => {
    const payload = makePayload(60, { runDir: '/runs/abc' });
    const r = await render(payload);
    const thumb = r.shadow.querySelector('.ods-strip button') as HTMLButtonElement;
    const id = Number(/Sample (\d+)/.exec(thumb.title)![1]);
    thumb.dispatchEvent(new PointerEvent('pointerenter'));
    const details = r.shadow.querySelector('.ods-details')!;
    assert.match(text(details), new RegExp(`Sample#${id}`));
    assert.match(text(details), /Source\/data\/ct\/patient-0\d\.nii\.gz/);
    const open = [...details.querySelectorAll('button')].find((b) => b.textContent === 'Open in Gallery');
    assert.ok(open, 'the action is offered when messaging is available');
    r.fake.posted.length = 0;
    open.click();
    assert.deepEqual(r.fake.posted, [{ type: 'openGallery', runDir: '/runs/abc', sampleId: id }]);
    const similar = [...details.querySelectorAll('button')].find((b) => b.textContent === 'Find similar in Gallery');
    r.fake.posted.length = 0;
    similar!.click();
    assert.deepEqual(r.fake.posted, [{ type: 'openGallery', runDir: '/runs/abc', sampleId: id, findSimilar: true }]);
  });

  it('works without messaging, without the gallery action', async () => {
    const r = await render(makePayload(30), { messaging: false });
    (r.shadow.querySelector('.ods-strip button') as HTMLButtonElement).dispatchEvent(new PointerEvent('pointerenter'));
    assert.match(text(r.shadow), /Sample#/);
    assert.equal(
      [...r.shadow.querySelectorAll('button')].some((b) => b.textContent === 'Open in Gallery'),
      false,
    );
  });

  it('re-renders an output in place and forgets it when disposed', async () => {
    const r = await render(makePayload(20));
    await r.api.renderOutputItem(
      outputItem('out-1', JSON.stringify(makePayload(25))),
      r.element,
      new AbortController().signal,
    );
    assert.equal(r.shadow.querySelectorAll('.ods').length, 1);
    assert.match(text(r.shadow), /25 of 25 samples shown/);
    r.api.disposeOutputItem?.('out-1');
    assert.equal((await askDom(r)).outputs.length, 0);
  });
});

describe('renderer: malformed payloads show a readable error in the cell', () => {
  const broken: Array<[string, { payload?: unknown; raw?: string }, RegExp]> = [
    ['text that is not JSON', { raw: '{"version": 1, "samples": [' }, /not valid JSON/],
    ['a JSON array', { payload: [1, 2] }, /must be a JSON object/],
    [
      'an unknown version',
      { payload: { ...makePayload(3), version: 2 } },
      /"version" is 2; this renderer reads version 1/,
    ],
    [
      'a missing summary and a bad sample',
      {
        payload: {
          ...makePayload(5),
          summary: undefined,
          samples: [{ id: 0, difficulty: 0.1, embedding: [1], selected: true }],
        },
      },
      /"summary" must be an object.*samples\[0\]\.embedding must be \[x, y\]/s,
    ],
    [
      'a thumbnail that is a link',
      {
        payload: {
          ...makePayload(2),
          samples: [{ ...makePayload(2).samples[0]!, thumbnail: 'https://example.invalid/x.png' }],
        },
      },
      /samples\[0\]\.thumbnail must be a data:image/,
    ],
    [
      'a hierarchy without its counts',
      {
        payload: {
          ...makePayload(2),
          summary: { ...makePayload(2).summary, hierarchical: { optidel: { branching: 32, levels: 'two' } } },
        },
      },
      /"summary\.hierarchical\.optidel"\.levels must be a non-negative integer, got "two"/,
    ],
  ];
  for (const [name, input, expected] of broken) {
    it(name, async () => {
      const r = await render(input.payload, { raw: input.raw });
      const alert = r.shadow.querySelector('[role=alert]');
      assert.ok(alert, 'an alert is shown');
      assert.match(text(alert), /OptiDEL could not show this output/);
      assert.match(text(alert), expected);
      assert.match(text(alert), /docs\/notebook\.md/);
      const reply = await askDom(r);
      assert.equal(reply.outputs[0]!.status, 'error');
    });
  }
});

describe('renderer: payload text is never HTML', () => {
  it('shows markup in titles, sources and method names as text', async () => {
    const payload: SubsetPayload = makePayload(12, { thumbnails: 2 });
    const evil = '<img src=x onerror="globalThis.pwned=1"><b>bold</b>';
    payload.title = evil;
    payload.summary.method = `<i>${evil}</i>`;
    payload.samples[0]!.selectedBy = [payload.summary.method];
    payload.samples[0]!.provenance!.source = `/data/${evil}.nii`;
    const r = await render(payload);
    assert.equal(r.shadow.querySelectorAll('img').length, 2, 'only the two thumbnails are images');
    assert.equal(r.shadow.querySelectorAll('b, i').length, 0);
    assert.ok(text(r.shadow).includes(evil), 'the markup is shown literally');
    (r.shadow.querySelector('.ods-strip button') as HTMLButtonElement).dispatchEvent(new PointerEvent('pointerenter'));
    assert.ok(text(r.shadow.querySelector('.ods-details')!).includes(`/data/${evil}.nii`));
    assert.equal(r.shadow.querySelectorAll('.ods-details b').length, 0);
    assert.equal((globalThis as { pwned?: number }).pwned, undefined);
  });
});

describe('renderer: a large payload', () => {
  it('renders 10,000 samples with a bounded DOM and every point drawn', async () => {
    const payload = makePayload(10_000, { thumbnails: 400 });
    const r = await render(payload);
    const elements = r.shadow.querySelectorAll('*').length;
    assert.ok(elements < 1500, `the DOM stays small: ${elements} elements`);
    assert.equal(r.shadow.querySelectorAll('.ods-strip img').length, 120);
    assert.match(text(r.shadow), /\+280 more/);
    assert.match(text(r.shadow), /10,000 of 10,000 samples shown/);
    const out = (await askDom(r)).outputs[0]!;
    assert.equal(out.counts.shown, 10_000);
    assert.ok((out.scatterInkPixels ?? 0) > 2000, `points drawn (${out.scatterInkPixels} pixels with ink)`);
    assert.ok(out.html.length <= 200_000);
  });
});
