/**
 * The one place the host shows notifications. VS Code turns `[label](command:...)` in a
 * notification's text into a link that runs any command, and file names, run-folder names,
 * settings and engine errors are text anybody can choose (a scan is named
 * `[ok](command:workbench.action.terminal.sendSequence?...)`). So a notification carries only
 * text the host wrote; what came from files goes to the OptiDEL log, escaped, behind "Show Log".
 * test/unit/host/notify.test.ts fails when a notification is shown anywhere else.
 * No vscode import: the window and the log are passed in, so this is unit-tested.
 */
import { escapeControls } from '../shared/controlChars';

export const SHOW_LOG = 'Show Log';
export const NO_FOLDER =
  'open a workspace folder first: runs are stored in its runs folder (setting optidel.runsFolder)';

/** The part of `vscode.window` this module drives. */
export interface NotificationWindow {
  showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showWarningMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  showInformationMessage(
    message: string,
    options: { modal: true; detail: string },
    ...items: string[]
  ): Thenable<string | undefined>;
}

/** The part of the OptiDEL output channel this module writes to. */
export interface NotificationLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  show(preserveFocus?: boolean): void;
}

/**
 * An error whose `summary` the host wrote (safe to show) and whose `detail` names what the user's
 * data put in (a path, a setting's value): the detail goes to the log only.
 */
export class HostError extends Error {
  override name = 'HostError';
  constructor(
    readonly summary: string,
    readonly detail?: string,
  ) {
    super(detail === undefined ? summary : `${summary} (${detail})`);
  }
}

/**
 * Text the user's data put in, made fit for one log line: control characters and line separators
 * (a newline in a file name could forge a log line) are written as `\uXXXX` escapes.
 */
export function escapeForLog(text: string): string {
  return escapeControls(text);
}

/**
 * Defence in depth for the host's own text (it may still hold a number or a method name): the
 * link syntax VS Code looks for, `[label](target)`, is broken by a space between `]` and `(`.
 */
export function notificationText(text: string): string {
  return text.replace(/\]\s*\(/g, '] (');
}

type Level = 'info' | 'warn' | 'error';

export class Notifier {
  constructor(
    private readonly window: NotificationWindow,
    private readonly log: NotificationLog,
  ) {}

  /**
   * Shows `message` (the host's text) with `actions` as buttons; each detail (a log line that may
   * hold the user's text) is logged at the same level, escaped, and a "Show Log" button is added
   * that reveals the log. Resolves to the action picked ("Show Log" is handled here: undefined).
   */
  async show(
    level: Level,
    message: string,
    details: readonly string[] = [],
    ...actions: string[]
  ): Promise<string | undefined> {
    const text = notificationText(message);
    for (const detail of details) this.log[level](escapeForLog(detail));
    const items = details.length > 0 ? [...actions, SHOW_LOG] : actions;
    const pick = await (level === 'error'
      ? this.window.showErrorMessage(text, ...items)
      : level === 'warn'
        ? this.window.showWarningMessage(text, ...items)
        : this.window.showInformationMessage(text, ...items));
    if (pick === SHOW_LOG) {
      this.log.show(true);
      return undefined;
    }
    return pick;
  }

  info(message: string, ...actions: string[]): Promise<string | undefined> {
    return this.show('info', message, [], ...actions);
  }

  /** A modal question with a longer explanation; both texts are the host's. */
  async ask(message: string, detail: string, ...actions: string[]): Promise<string | undefined> {
    return this.window.showInformationMessage(
      notificationText(message),
      { modal: true, detail: notificationText(detail) },
      ...actions,
    );
  }

  /**
   * A command failed. A HostError shows its summary; any other error (the engine's, a file
   * system's) names files of the user's, so the notification says only which command failed and
   * the log holds the message, which names the file or setting and the fix.
   */
  async failure(commandTitle: string, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof HostError) {
      await this.show('error', `OptiDEL: ${err.summary}`, [`${commandTitle}: ${message}`]);
      return;
    }
    await this.show(
      'error',
      `OptiDEL: ${commandTitle} failed. The log says which file or setting is at fault and how to fix it.`,
      [`${commandTitle} failed: ${message}`],
    );
  }
}
