/**
 * "Open in Gallery" from a notebook output: the renderer sends the run folder the notebook names,
 * and a notebook is a file anybody can send. The string is judged first (src/host/pathPolicy.ts);
 * only a run folder inside the workspace or the runs folder is looked at, with one existence check.
 * No vscode import, and the check is passed in, so tests see that a refused path is never touched.
 */
import * as path from 'node:path';
import type { OpenGalleryMessage } from '../shared/rendererMessages';
import { ARTIFACTS } from '../shared/artifacts';
import { decideNotebookRunDir, type NotebookRunDirContext, type PathApi } from './pathPolicy';

export type GalleryAction =
  | { kind: 'open'; runDir: string; sampleId: number }
  /** `message` is the host's text (for a notification); `detail` holds the notebook's text (for the log). */
  | { kind: 'refuse'; message: string; detail: string };

export const GALLERY_REFUSED =
  'OptiDEL: this notebook names a run folder outside the workspace folders and the runs folder, or on a network path, ' +
  'so the gallery was not opened. Add the folder holding the run to the workspace and try again.';
export const GALLERY_RUN_MISSING =
  'OptiDEL: the run folder of this output is not here (the notebook was made on another machine or the run was deleted).';

export function galleryAction(
  message: OpenGalleryMessage,
  context: NotebookRunDirContext,
  exists: (file: string) => boolean,
  p: PathApi & Pick<typeof path, 'join'> = path,
): GalleryAction {
  const decision = decideNotebookRunDir(message.runDir, context, p);
  if (!decision.ok)
    return {
      kind: 'refuse',
      message: GALLERY_REFUSED,
      detail: `notebook run folder ${message.runDir} refused: ${decision.reason}`,
    };
  if (!exists(p.join(decision.path, ARTIFACTS.run)))
    return {
      kind: 'refuse',
      message: GALLERY_RUN_MISSING,
      detail: `notebook run folder ${decision.path} has no run.json`,
    };
  return { kind: 'open', runDir: decision.path, sampleId: message.sampleId };
}
