/** Messages between the renderer and the host: checked on receipt, test requests paired with answers. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  parseHostMessage,
  parseRendererMessage,
  RenderedOutputRequests,
  RendererMessageError,
  RUN_DIR_LIMIT,
  type RenderedOutput,
} from '../../../src/shared/rendererMessages';

const output: RenderedOutput = {
  outputId: 'o',
  status: 'rendered',
  text: 'Pool 3',
  html: '<div></div>',
  counts: { samples: 3, shown: 3, thumbnails: 0 },
};

describe('renderer messages', () => {
  it('accept only well-formed messages of ours', () => {
    assert.deepEqual(parseRendererMessage({ type: 'openGallery', runDir: '/r', sampleId: 4, extra: 1 }), {
      type: 'openGallery',
      runDir: '/r',
      sampleId: 4,
    });
    // findSimilar is passed on only as true; anything else is no request for it.
    assert.deepEqual(parseRendererMessage({ type: 'openGallery', runDir: '/r', sampleId: 4, findSimilar: true }), {
      type: 'openGallery',
      runDir: '/r',
      sampleId: 4,
      findSimilar: true,
    });
    assert.deepEqual(parseRendererMessage({ type: 'openGallery', runDir: '/r', sampleId: 4, findSimilar: 'yes' }), {
      type: 'openGallery',
      runDir: '/r',
      sampleId: 4,
    });
    for (const [bad, why] of [
      [null, /must be an object/],
      ['openGallery', /must be an object/],
      [{ type: 'openGallery', runDir: '', sampleId: 1 }, /"runDir" must be a path/],
      [{ type: 'openGallery', runDir: '/r', sampleId: -1 }, /"sampleId" must be a non-negative integer/],
      [{ type: 'openGallery', runDir: '/r', sampleId: 1.5 }, /"sampleId"/],
      [{ type: 'other' }, /unknown renderer message type "other"/],
      [{ type: 'test.renderedOutputs', requestId: 1 }, /"outputs" must be an array/],
      // A run folder that is no path at all (a NUL, longer than any file system takes) is not passed on.
      [{ type: 'openGallery', runDir: '/r\0/etc', sampleId: 1 }, /"runDir"/],
      [{ type: 'openGallery', runDir: `/${'r'.repeat(RUN_DIR_LIMIT)}`, sampleId: 1 }, /"runDir"/],
    ] as const) {
      assert.throws(
        () => parseRendererMessage(bad),
        (err: unknown) => err instanceof RendererMessageError && why.test(err.message),
        JSON.stringify(bad),
      );
    }
    assert.deepEqual(parseHostMessage({ type: 'test.getRenderedOutputs', requestId: 2 }), {
      type: 'test.getRenderedOutputs',
      requestId: 2,
      outputId: undefined,
    });
    assert.throws(() => parseHostMessage({ type: 'test.getRenderedOutputs', requestId: '2' }), /"requestId"/);
  });

  it('pair each test request with its answer, ignore strays, and time out with a reason', async () => {
    const requests = new RenderedOutputRequests();
    const first = requests.create(undefined, 1000);
    const second = requests.create('o', 1000);
    assert.notEqual(first.message.requestId, second.message.requestId);
    requests.answer({ type: 'test.renderedOutputs', requestId: 999, outputs: [] });
    requests.answer({ type: 'test.renderedOutputs', requestId: second.message.requestId, outputs: [output] });
    requests.answer({ type: 'test.renderedOutputs', requestId: first.message.requestId, outputs: [] });
    assert.deepEqual(await second.reply, [output]);
    assert.deepEqual(await first.reply, []);

    const slow = requests.create(undefined, 20);
    await assert.rejects(slow.reply, /did not answer within 20 ms/);
    const undelivered = requests.create(undefined, 1000);
    requests.fail(undelivered.message.requestId, 'no renderer loaded');
    await assert.rejects(undelivered.reply, /no renderer loaded/);
  });
});
