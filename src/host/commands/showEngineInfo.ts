/**
 * "OptiDEL: Show Engine Info": the backend, why every other backend was not taken, and its speed.
 * The notification says the backend; "Show Details" opens the whole account as a Markdown
 * document (a notification that is not modal drops its detail, and the log mixes it with the rest).
 */
import * as vscode from 'vscode';
import type { EngineInfo } from '../../shared/engineInfo';
import type { HostCommand } from '../services';

export const showEngineInfo: HostCommand = {
  id: 'optidel.showEngineInfo',
  async run({ engine, log, notify }) {
    const info = await engine.run('info', { matmulSize: 512, matmulRepeats: 5 }, 'OptiDEL: checking the engine');
    engine.showBackend(info);
    const lines = describe(info);
    for (const line of lines) log.info(line);
    // Not awaited: the command's result (the info) must not wait for the notification to be dismissed.
    void notify
      .info(
        `OptiDEL engine: ${info.backend} backend${info.matmulGflops ? `, ${info.matmulGflops.toFixed(0)} GFLOP/s matmul` : ''}`,
        'Show Details',
      )
      .then((pick) => (pick ? showDetails(lines) : undefined));
    return info;
  },
};

async function showDetails(lines: readonly string[]): Promise<void> {
  // Engine text (device names, reasons) goes to an untitled editor, never into a notification.
  const content = ['# OptiDEL engine', '', ...lines.map((line) => `- ${line}`), ''].join('\n');
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(document, { preview: true });
}

function describe(info: EngineInfo): string[] {
  return [
    `backend: ${info.backend} (${info.preference === 'auto' ? 'first that worked' : 'forced by optidel.engine.backend'})`,
    `TensorFlow.js ${info.tfjsVersion} on Node ${info.nodeVersion} (${info.nodeExecutable}), ${info.cpus} CPUs`,
    ...info.candidates.map(
      (c) =>
        `${c.available ? '✓' : '✗'} ${c.name}: ${c.reason}${c.devices?.length ? ` [${c.devices.join(', ')}]` : ''}`,
    ),
    ...(info.matmulGflops !== undefined ? [`matmul: ${info.matmulGflops.toFixed(1)} GFLOP/s`] : []),
    ...info.warnings.map((w) => `warning: ${w}`),
  ];
}
