/**
 * Notifications carry no text from the user's files (src/host/notify.ts): a file named like a
 * command link reaches the log, never a notification, and no host module but notify.ts shows a
 * notification with text it did not write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../../helpers/engine';
import {
  HostError,
  Notifier,
  SHOW_LOG,
  escapeForLog,
  notificationText,
  type NotificationLog,
  type NotificationWindow,
} from '../../../src/host/notify';

/** A file name a shared config or run folder can hold: clicking its link would type into a terminal. */
const LINK_FILE =
  '[Open the scan](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D).nii.gz';
/** The pattern VS Code's notifications turn into a clickable link (its `parseLinkedText`). */
const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

interface Shown {
  level: 'info' | 'warn' | 'error';
  text: string;
  items: unknown[];
}

function fakes(pick?: string) {
  const shown: Shown[] = [];
  const logged: Array<{ level: string; text: string }> = [];
  let revealed = 0;
  const record =
    (level: Shown['level']) =>
    (text: string, ...items: unknown[]) => {
      shown.push({ level, text, items });
      return Promise.resolve(pick);
    };
  const window = {
    showInformationMessage: record('info'),
    showWarningMessage: record('warn'),
    showErrorMessage: record('error'),
  } as unknown as NotificationWindow;
  const log: NotificationLog = {
    info: (text) => logged.push({ level: 'info', text }),
    warn: (text) => logged.push({ level: 'warn', text }),
    error: (text) => logged.push({ level: 'error', text }),
    show: () => void revealed++,
  };
  return { notify: new Notifier(window, log), shown, logged, revealed: () => revealed };
}

test('an engine error naming a command-link file shows a fixed message; the file name goes to the log only', async () => {
  const { notify, shown, logged } = fakes();
  const engineError = new Error(
    `ingest: /data/pool/${LINK_FILE}: not a NIfTI file (bad magic); remove it from the pool or fix it`,
  );
  await notify.failure('Ingest Pool', engineError);
  assert.equal(shown.length, 1);
  assert.equal(shown[0]!.level, 'error');
  assert.equal(
    shown[0]!.text,
    'OptiDEL: Ingest Pool failed. The log says which file or setting is at fault and how to fix it.',
  );
  assert.deepEqual(shown[0]!.items, [SHOW_LOG]);
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!.level, 'error');
  assert.ok(logged[0]!.text.includes(LINK_FILE), 'the log names the file');
  assert.ok(logged[0]!.text.includes('remove it from the pool or fix it'), 'the log keeps the fix');
});

test('a HostError shows its summary and logs its detail (the path), and "Show Log" reveals the log', async () => {
  const { notify, shown, logged, revealed } = fakes(SHOW_LOG);
  const runDir = `/home/ann/${LINK_FILE}`;
  await notify.failure(
    'Pre-train Foundation Model',
    new HostError('this folder is not an OptiDEL run folder (no run.json); ingest a pool first', runDir),
  );
  assert.equal(shown[0]!.text, 'OptiDEL: this folder is not an OptiDEL run folder (no run.json); ingest a pool first');
  assert.doesNotMatch(shown[0]!.text, /command:/);
  assert.ok(logged[0]!.text.includes(runDir));
  assert.equal(revealed(), 1, 'Show Log revealed the OptiDEL log');
});

test('text that still carries link syntax is defused before it is shown', async () => {
  const { notify, shown } = fakes();
  await notify.info(`OptiDEL: done with ${LINK_FILE}`);
  assert.match(LINK_FILE, VSCODE_LINK, 'the attack is a link VS Code would render');
  assert.doesNotMatch(shown[0]!.text, VSCODE_LINK);
  assert.doesNotMatch(notificationText('[a]   (command:x) [b](https://evil.example)'), VSCODE_LINK);
  assert.equal(
    notificationText('ingested 12 samples [3 skipped]'),
    'ingested 12 samples [3 skipped]',
    'brackets alone are kept',
  );
});

test('a newline in a file name cannot forge a log line', async () => {
  const { notify, logged } = fakes();
  await notify.show('warn', 'OptiDEL: ingested 3 samples; 1 skipped (see the log).', [
    'ingest skipped /d/a.nii\n[error] engine compromised\u2028: empty',
  ]);
  assert.equal(logged.length, 1);
  assert.doesNotMatch(logged[0]!.text, /[\n\u2028]/);
  assert.equal(logged[0]!.text, 'ingest skipped /d/a.nii\\u000a[error] engine compromised\\u2028: empty');
  assert.equal(escapeForLog('plain /data/ct/case 01.nii.gz'), 'plain /data/ct/case 01.nii.gz');
});

/** Every `show*Message` in `hostDir`'s TypeScript outside notify.ts, with whether its message is a plain literal. */
function notificationCalls(hostDir: string): Array<{ where: string; literal: boolean }> {
  const found: Array<{ where: string; literal: boolean }> = [];
  const files = (fs.readdirSync(hostDir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.ts') && f !== 'notify.ts',
  );
  for (const file of files) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(hostDir, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node: ts.Node): void => {
      // Any mention counts (a call, `const { showErrorMessage } = vscode.window`, a passed method): only a call with a literal is allowed.
      if (ts.isIdentifier(node) && /^show(Error|Warning|Information)Message$/.test(node.text)) {
        const where = `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const call =
          ts.isPropertyAccessExpression(node.parent) &&
          node.parent.name === node &&
          ts.isCallExpression(node.parent.parent)
            ? node.parent.parent
            : undefined;
        const first = call?.arguments[0];
        found.push({
          where,
          literal: !!first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

test('no host module but notify.ts shows a notification whose text is not a literal', () => {
  const offenders = notificationCalls(path.join(ROOT, 'src/host')).filter((c) => !c.literal);
  assert.deepEqual(
    offenders.map((c) => c.where),
    [],
    'route these through services.notify (src/host/notify.ts)',
  );
});

test('the scan finds a notification built from a variable (so it can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-notify-scan-'));
  try {
    fs.mkdirSync(path.join(dir, 'commands'));
    fs.writeFileSync(
      path.join(dir, 'commands', 'probe.ts'),
      [
        "import * as vscode from 'vscode';",
        'export const f = (name: string) => vscode.window.showWarningMessage(`bad ${name}`);',
        "export const g = () => vscode.window.showInformationMessage('fine');",
        'export const { showErrorMessage } = vscode.window;',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'notify.ts'), 'export const h = (w: any, t: string) => w.showErrorMessage(t);');
    assert.deepEqual(
      notificationCalls(dir).map((c) => `${c.where} ${c.literal}`),
      [
        `${path.join('commands', 'probe.ts')}:2 false`,
        `${path.join('commands', 'probe.ts')}:3 true`,
        `${path.join('commands', 'probe.ts')}:4 false`,
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
