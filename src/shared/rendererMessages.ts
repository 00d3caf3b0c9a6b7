/**
 * Messages between the OptiDEL notebook renderer (webview/renderer, inside the notebook's output
 * webview) and the extension host (src/host/rendererMessaging.ts), over VS Code's renderer
 * messaging (`requiresMessaging: "optional"`: without the extension the renderer still draws, it
 * only hides the actions that need the host).
 *
 * Renderer -> host
 *   { type: 'openGallery', runDir, sampleId }          the user asked to see a sample in the gallery
 *   { type: 'test.renderedOutputs', requestId, outputs } the answer to the test request below
 * Host -> renderer
 *   { type: 'test.getRenderedOutputs', requestId, outputId? }
 *     TEST ONLY (the pattern of vscode-jupyter's test renderer messages): asks the renderer what it
 *     drew for one output (or for every output it holds), so tests running in a real VS Code can
 *     assert on the DOM inside the notebook webview. Each answer entry is a RenderedOutput.
 *
 * Both ends check what they receive with the parse functions below: the other side is another
 * process and, for the renderer, a document anybody can write.
 */
import { fieldReaders, PendingRequests } from './messageKit';

export interface OpenGalleryMessage {
  type: 'openGallery';
  /**
   * The run folder the notebook names (`run.dir` of its payload): absolute, or relative to the
   * notebook's folder. Only text: the host decides whether to look at it (src/host/pathPolicy.ts).
   */
  runDir: string;
  sampleId: number;
  /** Also list the samples most similar to it (the gallery's Find similar). */
  findSimilar?: boolean;
}

export interface GetRenderedOutputsMessage {
  type: 'test.getRenderedOutputs';
  requestId: number;
  /** The output's id (`outputItem.id` in the renderer); all outputs when absent. */
  outputId?: string;
}

/** What the renderer drew for one output, for tests. */
export interface RenderedOutput {
  outputId: string;
  /** 'rendered': the interactive view; 'error': the payload was rejected and the error shown. */
  status: 'rendered' | 'error';
  /** The visible text of the output (header numbers, error message). */
  text: string;
  /** The output's DOM as HTML (its shadow root's content), truncated to `HTML_LIMIT` characters. */
  html: string;
  /** Facts that are hard to read from the HTML: points on the scatter plot, thumbnails in the strip. */
  counts: { samples: number; shown: number; thumbnails: number };
  /** Pixels of the scatter canvas that are not blank, as a check that points were really drawn. */
  scatterInkPixels?: number;
}

export interface RenderedOutputsMessage {
  type: 'test.renderedOutputs';
  requestId: number;
  outputs: RenderedOutput[];
}

export type RendererToHost = OpenGalleryMessage | RenderedOutputsMessage;
export type HostToRenderer = GetRenderedOutputsMessage;

export const HTML_LIMIT = 200_000;
/** Longer than any path a file system accepts: a longer `runDir` is not a path. */
export const RUN_DIR_LIMIT = 4096;

export class RendererMessageError extends Error {
  override name = 'RendererMessageError';
}

const read = fieldReaders((message) => new RendererMessageError(message), 'renderer message');

/** Checks a message from the renderer; throws RendererMessageError naming the bad field. */
export function parseRendererMessage(raw: unknown): RendererToHost {
  const m = read.object(raw, 'renderer message');
  switch (m.type) {
    case 'openGallery': {
      const runDir = read.string(m, 'runDir', {
        maxLength: RUN_DIR_LIMIT,
        pattern: /^[^\0]+$/,
        what: `a path (1 to ${RUN_DIR_LIMIT} characters, no NUL)`,
      });
      const sampleId = read.id(m, 'sampleId');
      return m.findSimilar === true
        ? { type: 'openGallery', runDir, sampleId, findSimilar: true }
        : { type: 'openGallery', runDir, sampleId };
    }
    case 'test.renderedOutputs':
      if (!Array.isArray(m.outputs)) throw new RendererMessageError('"outputs" must be an array');
      return {
        type: 'test.renderedOutputs',
        requestId: read.id(m, 'requestId'),
        outputs: m.outputs as RenderedOutput[],
      };
    default:
      throw read.unknownType(m);
  }
}

/** Checks a message from the host; throws RendererMessageError naming the bad field. */
export function parseHostMessage(raw: unknown): HostToRenderer {
  const m = read.object(raw, 'host message');
  if (m.type !== 'test.getRenderedOutputs') throw read.unknownType(m);
  return {
    type: 'test.getRenderedOutputs',
    requestId: read.id(m, 'requestId'),
    outputId: read.optionalString(m, 'outputId'),
  };
}

/**
 * Host side of the test request: numbers each request and pairs it with the renderer's answer, or
 * fails after a timeout that says what may be wrong. Pure, so it is tested without VS Code.
 */
export class RenderedOutputRequests {
  private readonly pending = new PendingRequests<RenderedOutput[]>();

  /** A new request message and the promise of its answer. */
  create(
    outputId: string | undefined,
    timeoutMs: number,
  ): { message: GetRenderedOutputsMessage; reply: Promise<RenderedOutput[]> } {
    const { id, reply } = this.pending.create(undefined, {
      ms: timeoutMs,
      reason: `the OptiDEL renderer did not answer within ${timeoutMs} ms (is the notebook's output visible, so that the renderer has loaded?)`,
    });
    return { message: { type: 'test.getRenderedOutputs', requestId: id, outputId }, reply };
  }

  /** Delivers an answer; answers to unknown or finished requests are ignored. */
  answer(message: RenderedOutputsMessage): void {
    this.pending.answer(message.requestId, message.outputs);
  }

  /** Fails a request now (its message could not be delivered). */
  fail(requestId: number, reason: string): void {
    this.pending.fail(requestId, new Error(reason));
  }
}
