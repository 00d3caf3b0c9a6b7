/**
 * The OptiDEL notebook renderer (package.json `notebookRenderer` optidel.subset-renderer, MIME type
 * application/vnd.optidel.subset+json). VS Code loads this ES module into the notebook's output
 * webview and calls `activate` once; each output is then drawn into its own shadow root, so its
 * styles neither leak out nor get overridden by other outputs.
 *
 * Messaging is optional: with the extension present, "Open in Gallery" asks the host to open the
 * gallery at a sample, and the host may ask for the rendered DOM (test only, see
 * src/shared/rendererMessages.ts). Without it everything else works.
 */
import type { ActivationFunction, OutputItem, RendererContext } from 'vscode-notebook-renderer';
import { adoptStyles } from '../common/styles';
import { parseSubsetPayload, SubsetPayloadError } from '../../src/shared/subsetPayload';
import type {
  HostToRenderer,
  OpenGalleryMessage,
  RenderedOutput,
  RenderedOutputsMessage,
} from '../../src/shared/rendererMessages';
import { HTML_LIMIT, parseHostMessage } from '../../src/shared/rendererMessages';
import { renderError } from './errorView';
import { RENDERER_CSS } from './rendererStyles';
import type { GalleryOpener } from './sampleDetails';
import { renderSubset, type SubsetView } from './subsetView';

interface OutputEntry {
  shadow: ShadowRoot;
  view?: SubsetView;
}

/** The host's message, or undefined for anything else on the channel (it is not ours to answer). */
function hostMessageOrUndefined(raw: unknown): HostToRenderer | undefined {
  try {
    return parseHostMessage(raw);
  } catch {
    return undefined;
  }
}

export const activate: ActivationFunction = (context) => {
  const outputs = new Map<string, OutputEntry>();
  context.onDidReceiveMessage?.((raw: unknown) => {
    const message = hostMessageOrUndefined(raw);
    if (message?.type === 'test.getRenderedOutputs') {
      const ids =
        message.outputId === undefined ? [...outputs.keys()] : [message.outputId].filter((id) => outputs.has(id));
      const reply: RenderedOutputsMessage = {
        type: 'test.renderedOutputs',
        requestId: message.requestId,
        outputs: ids.map((id) => describeOutput(id, outputs.get(id)!)),
      };
      context.postMessage?.(reply);
    }
  });

  return {
    renderOutputItem(outputItem, element, signal) {
      disposeEntry(outputs.get(outputItem.id));
      const shadow = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
      adoptStyles(RENDERER_CSS, shadow);
      const container = document.createElement('div');
      shadow.replaceChildren(container);
      const entry: OutputEntry = { shadow };
      outputs.set(outputItem.id, entry);
      if (signal?.aborted) return;
      try {
        const payload = parseSubsetPayload(readJson(outputItem));
        entry.view = renderSubset(container, payload, {
          styleRoot: shadow,
          openInGallery: galleryOpener(context, payload.run?.dir),
        });
      } catch (err) {
        // Whatever went wrong, the cell says so: a blank output with only a console error helps nobody.
        entry.view?.dispose();
        entry.view = undefined;
        renderError(container, err);
        if (!(err instanceof SubsetPayloadError)) console.error('OptiDEL renderer:', err);
      }
    },
    disposeOutputItem(id) {
      if (id === undefined) {
        for (const entry of outputs.values()) disposeEntry(entry);
        outputs.clear();
      } else {
        disposeEntry(outputs.get(id));
        outputs.delete(id);
      }
    },
  };
};

function readJson(item: OutputItem): unknown {
  try {
    return item.json();
  } catch (err) {
    throw new SubsetPayloadError([`the output is not valid JSON (${(err as Error).message})`]);
  }
}

function galleryOpener(context: RendererContext<unknown>, runDir: string | undefined): GalleryOpener | undefined {
  const post = context.postMessage;
  if (!post || !runDir) return undefined;
  return (sampleId, options) => {
    const message: OpenGalleryMessage = {
      type: 'openGallery',
      runDir,
      sampleId,
      ...(options?.findSimilar ? { findSimilar: true } : {}),
    };
    post.call(context, message);
  };
}

function disposeEntry(entry: OutputEntry | undefined): void {
  entry?.view?.dispose();
  if (entry) entry.view = undefined;
}

/** The output's text as a reader sees it: words of separate elements apart, no SVG tooltips. */
function visibleText(root: ShadowRoot): string {
  const words: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement?.closest('title, style, option:not(:checked)')) continue;
    const value = node.nodeValue?.trim();
    if (value) words.push(value);
  }
  return words.join(' ').replace(/\s+/g, ' ');
}

function describeOutput(outputId: string, entry: OutputEntry): RenderedOutput {
  const snapshot = entry.view?.snapshot();
  return {
    outputId,
    status: entry.view ? 'rendered' : 'error',
    text: visibleText(entry.shadow),
    html: entry.shadow.innerHTML.slice(0, HTML_LIMIT),
    counts: { samples: snapshot?.samples ?? 0, shown: snapshot?.shown ?? 0, thumbnails: snapshot?.thumbnails ?? 0 },
    scatterInkPixels: snapshot?.scatterInkPixels,
  };
}
