/**
 * Text that users' data put in (a shared run's run.json, a file name), made safe to show in a log
 * or a terminal: control characters, which a terminal reads as commands (`ESC ] 52` sets the
 * clipboard, `ESC [ 2 J` clears the screen) and a log as line breaks (a newline in a file name
 * could forge a log line), are written as `\uXXXX` escapes. Browser-safe.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** The same but newline and tab, for text of several lines. */
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

export function escapeControls(text: string, { keepLines = false } = {}): string {
  return text.replace(
    keepLines ? CONTROLS_BUT_LINES : CONTROLS,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
