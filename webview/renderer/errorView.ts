/**
 * What a cell shows when its output cannot be drawn: a readable message in the cell itself (never
 * a blank output, never only a console exception), listing what is wrong and how to fix it.
 */
import { el } from '../common/styles';
import { SubsetPayloadError } from '../../src/shared/subsetPayload';

export function renderError(container: HTMLElement, error: unknown): void {
  const box = el('div', 'ods ods-error');
  box.setAttribute('role', 'alert');
  const problems =
    error instanceof SubsetPayloadError ? error.problems : [error instanceof Error ? error.message : String(error)];
  box.append(el('strong', undefined, 'OptiDEL could not show this output'));
  const list = el('ul');
  for (const problem of problems) list.append(el('li', undefined, problem));
  box.append(list);
  const hint = el('div', 'ods-hint');
  hint.append(
    document.createTextNode(
      error instanceof SubsetPayloadError
        ? 'The output must be an OptiDEL subset payload (version 1, see '
        : 'This is a bug in the OptiDEL renderer; please report it with the notebook (see ',
    ),
    el('code', undefined, 'docs/notebook.md'),
    document.createTextNode('). Re-create it with "OptiDEL: Open Subset in Notebook" or optidel export.'),
  );
  box.append(hint);
  container.replaceChildren(box);
}
