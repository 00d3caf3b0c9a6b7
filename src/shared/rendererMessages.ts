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

export interface OpenGalleryMessage {
  type: 'openGallery';
  runDir: string;
  sampleId: number;
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

/** Checks a message from the renderer; undefined for anything that is not one of ours. */
export function parseRendererMessage(raw: unknown): RendererToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (m.type === 'openGallery') {
    if (typeof m.runDir !== 'string' || m.runDir === '' || !Number.isInteger(m.sampleId) || (m.sampleId as number) < 0) return undefined;
    return { type: 'openGallery', runDir: m.runDir, sampleId: m.sampleId as number };
  }
  if (m.type === 'test.renderedOutputs') {
    if (!Number.isInteger(m.requestId) || !Array.isArray(m.outputs)) return undefined;
    return m as unknown as RenderedOutputsMessage;
  }
  return undefined;
}

/** Checks a message from the host; undefined for anything that is not one of ours. */
export function parseHostMessage(raw: unknown): HostToRenderer | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (m.type === 'test.getRenderedOutputs' && Number.isInteger(m.requestId) && (m.outputId === undefined || typeof m.outputId === 'string')) {
    return { type: 'test.getRenderedOutputs', requestId: m.requestId as number, outputId: m.outputId as string | undefined };
  }
  return undefined;
}
