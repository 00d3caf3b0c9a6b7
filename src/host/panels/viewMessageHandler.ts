/**
 * The host's answer to each message a run view sends, without vscode so that the browser tests
 * drive the very same code through their fake webview API: validate (the webview is untrusted),
 * then load the run's data, read a file through the path guard, save the hand curation, or pass a
 * sample request on to what the panel provides (the engine, the file manager, the sample view).
 */
import * as fs from 'node:fs';
import type { SampleResult, SimilarResult } from '../../shared/commands';
import type { HostToView, SampleView, ViewKind } from '../../shared/viewMessages';
import { parseViewToHost } from '../../shared/viewMessages';
import { loadRunViewData } from './runData';
import { resolveInRun } from './pathGuard';
import { saveManualCuration } from '../../shared/node/manualCuration';

/** Views read label maps (a 1024 px PNG is a few MB) through this: far more is not a file of ours. */
const MAX_VIEW_FILE_BYTES = 64 * 1024 * 1024;

/** What a panel does for the sample messages; the host never reads a volume itself. */
export interface SampleActions {
  /** The engine's `sample` command for this run. */
  serve(sampleId: number): Promise<SampleResult>;
  /** Reveals the source of a sample `serve` returned (the engine checked it lies in the pool). */
  reveal(sampleId: number): Promise<void>;
  /** Opens the sample view of this run at the sample. */
  open(sampleId: number): Promise<void>;
  /** The engine's `similar` command for this run: the sample's nearest neighbours. */
  similar(sampleId: number): Promise<SimilarResult>;
}

export async function answerViewMessage(
  runDir: string,
  kind: ViewKind,
  raw: unknown,
  toUrl: (relative: string) => string,
  samples?: SampleActions,
): Promise<HostToView[]> {
  let message;
  try {
    message = parseViewToHost(raw);
  } catch (err) {
    return [{ type: 'error', message: (err as Error).message }];
  }
  switch (message.type) {
    case 'ready':
      return [{ type: 'data', data: await loadRunViewData(runDir, kind, toUrl) }];
    case 'readFile':
      try {
        const file = await resolveInRun(runDir, message.path);
        // By size first: a sparse file of gigabytes costs a shared run folder a few bytes.
        const size = (await fs.promises.stat(file)).size;
        if (size > MAX_VIEW_FILE_BYTES)
          throw new Error(
            `${message.path} is ${size} bytes, more than the ${MAX_VIEW_FILE_BYTES} a view reads; write it again with the stage that makes it`,
          );
        const bytes = await fs.promises.readFile(file);
        return [
          {
            type: 'file',
            requestId: message.requestId,
            bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          },
        ];
      } catch (err) {
        return [{ type: 'file', requestId: message.requestId, error: (err as Error).message }];
      }
    case 'saveManual':
      try {
        await saveManualCuration(runDir, message.method, message.include, message.exclude);
        return [{ type: 'saved', method: message.method, include: message.include, exclude: message.exclude }];
      } catch (err) {
        return [
          { type: 'error', message: `could not save the curation of ${message.method}: ${(err as Error).message}` },
        ];
      }
    case 'loadSample':
      try {
        if (!samples) throw new Error('this panel cannot ask the engine for samples');
        return [
          { type: 'sample', sampleId: message.sampleId, sample: sampleView(await samples.serve(message.sampleId)) },
        ];
      } catch (err) {
        return [{ type: 'sample', sampleId: message.sampleId, error: (err as Error).message }];
      }
    case 'findSimilar':
      try {
        if (!samples) throw new Error('this panel cannot ask the engine for similar samples');
        const found = await samples.similar(message.sampleId);
        const neighbours = found.neighbours.map((n) => ({ id: n.id, similarity: n.similarity }));
        return [{ type: 'similar', sampleId: message.sampleId, neighbours }];
      } catch (err) {
        return [{ type: 'similar', sampleId: message.sampleId, error: (err as Error).message }];
      }
    case 'revealSource':
    case 'openSample':
      try {
        if (!samples) throw new Error('this panel cannot open samples');
        await (message.type === 'openSample' ? samples.open(message.sampleId) : samples.reveal(message.sampleId));
        return [];
      } catch (err) {
        return [{ type: 'error', message: `sample ${message.sampleId}: ${(err as Error).message}` }];
      }
  }
}

/** The engine's base64 slabs as bytes for postMessage (structured clone carries typed arrays as they are). */
function sampleView(result: SampleResult): SampleView {
  const { nifti, mask, patchesNifti, written: _written, ...rest } = result;
  const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));
  return {
    ...rest,
    nifti: bytes(nifti),
    ...(mask ? { mask: { ...mask, nifti: bytes(mask.nifti) } } : {}),
    ...(patchesNifti ? { patches: bytes(patchesNifti) } : {}),
  };
}
