/**
 * A Jupyter notebook (nbformat 4.5) that carries a subset payload as a cell output. VS Code shows
 * the output through the OptiDEL renderer without any kernel; every other viewer (GitHub,
 * JupyterLab, nbviewer) shows the static text/html fallback (subsetHtml.ts), one that shows no
 * HTML the image/png (subsetRaster.ts), and a terminal the text/plain one. The code cell's source is the Python that makes the same output again from the
 * run folder with the repository's Python package, so re-running it in a kernel refreshes it.
 */
import type { SubsetPayload } from '../../shared/subsetPayload';
import { SUBSET_MIME } from '../../shared/subsetPayload';
import { subsetHtml, subsetText } from './subsetHtml';
import { subsetPng } from './subsetRaster';

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: 4;
  nbformat_minor: 5;
}

type NotebookCell =
  | { cell_type: 'markdown'; id: string; metadata: Record<string, unknown>; source: string[] }
  | {
      cell_type: 'code';
      id: string;
      metadata: Record<string, unknown>;
      source: string[];
      execution_count: null;
      outputs: DisplayDataOutput[];
    };

interface DisplayDataOutput {
  output_type: 'display_data';
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * The notebook as file text: indented like Jupyter writes it, except the payload, which stays on
 * one line (indenting 10,000 samples would triple the file for nobody to read).
 */
export function subsetNotebookText(payload: SubsetPayload): string {
  const placeholder = `optidel-payload-${Math.random().toString(36).slice(2)}`;
  const notebook = subsetNotebook(payload);
  const output = (notebook.cells[1] as { outputs: DisplayDataOutput[] }).outputs[0]!;
  output.data[SUBSET_MIME] = placeholder;
  return `${JSON.stringify(notebook, null, 1).replace(JSON.stringify(placeholder), () => JSON.stringify(payload))}\n`;
}

export function subsetNotebook(payload: SubsetPayload): Notebook {
  return {
    cells: [
      { cell_type: 'markdown', id: 'optidel-summary', metadata: {}, source: lines(summaryMarkdown(payload)) },
      {
        cell_type: 'code',
        id: 'optidel-subset',
        metadata: {},
        execution_count: null,
        source: lines(pythonSource(payload)),
        outputs: [
          {
            output_type: 'display_data',
            data: {
              [SUBSET_MIME]: payload,
              'text/html': lines(subsetHtml(payload)),
              ...(payload.samples.length ? { 'image/png': subsetPng(payload.samples).toString('base64') } : {}),
              'text/plain': lines(plainText(payload)),
            },
            metadata: {},
          },
        ],
      },
    ],
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
      optidel: { payloadVersion: payload.version, run: payload.run?.id },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** What a reader without the renderer sees: the numbers in one paragraph. */
export function plainText(payload: SubsetPayload): string {
  return `${subsetText(payload)}\nOpen this notebook in VS Code with the OptiDEL extension for the interactive view.`;
}

function summaryMarkdown(payload: SubsetPayload): string {
  const s = payload.summary;
  const rows = (s.methods ?? [s.method]).map((m) => {
    const count = payload.samples.filter((x) => (m === s.method ? x.selected : x.selectedBy?.includes(m))).length;
    return `| ${m} | ${count} |`;
  });
  return [
    `# ${payload.title ?? 'OptiDEL subset'}`,
    '',
    `Pool: ${s.poolSize} samples. Budget: ${s.budget}.` +
      (s.vInformation ? ` V-information of the ${s.method} subset: ${s.vInformation.value.toFixed(4)} nats.` : ''),
    '',
    '| method | selected |',
    '|---|---|',
    ...rows,
  ].join('\n');
}

function pythonSource(payload: SubsetPayload): string {
  const runDir = payload.run?.dir ?? 'RUN_DIR';
  return [
    "# Rebuilds the output below from the run folder with OptiDEL's Python package (numpy only, no",
    '# network): `pip install --no-build-isolation ./python` in the OptiDEL repository, or put its python/',
    '# folder on sys.path.',
    '# Not `npx optidel`: npx of a bare name downloads and runs whatever package is published under it.',
    'from optidel import load_run',
    '',
    `run_dir = ${JSON.stringify(runDir)}`,
    `load_run(run_dir).subset(${JSON.stringify(payload.summary.method)})`,
  ].join('\n');
}

/** nbformat stores multi-line strings as arrays of lines, each but the last ending in a newline. */
function lines(text: string): string[] {
  const parts = text.split('\n');
  return parts.map((line, i) => (i < parts.length - 1 ? `${line}\n` : line));
}
