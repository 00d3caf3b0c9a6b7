/** The text of the terminal's `optidel` launcher (terminalCli.ts), per platform; free of `vscode`, so it is unit-tested. */

/** A POSIX shell word for any string: single-quoted, inner single quotes closed and escaped. */
function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A cmd.exe argument: double-quoted; cmd has no escape for a double quote inside, so those are refused. */
function cmdWord(value: string): string {
  if (/["%\r\n]/.test(value)) throw new Error(`cannot write a Windows launcher for a path holding " or %: ${value}`);
  return `"${value}"`;
}

/** The launcher's file name and text for a platform. */
export function launcher(
  platform: NodeJS.Platform,
  node: string,
  engine: string,
): { name: string; text: string; mode: number } {
  if (platform === 'win32')
    return {
      name: 'optidel.cmd',
      text: `@echo off\r\nset ELECTRON_RUN_AS_NODE=1\r\n${cmdWord(node)} ${cmdWord(engine)} %*\r\n`,
      mode: 0o644,
    };
  return {
    name: 'optidel',
    text: `#!/bin/sh\n# Written by the OptiDEL extension: the optidel command line of this VS Code.\nELECTRON_RUN_AS_NODE=1 exec ${shellWord(node)} ${shellWord(engine)} "$@"\n`,
    mode: 0o755,
  };
}
