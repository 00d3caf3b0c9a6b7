/** The workspace the code-server test layers open: a fresh folder with tiny demo data and its optidel.json. */
import * as fs from 'node:fs';
import { optidel, tempDir } from './codeServer';

/** Makes the workspace (removed by the caller); OPTIDEL_TEST_WORKSPACE names a folder to copy instead, for debugging. */
export function prepareDemoWorkspace(): string {
  const dir = tempDir('workspace');
  const given = process.env.OPTIDEL_TEST_WORKSPACE;
  if (given) fs.cpSync(given, dir, { recursive: true });
  else optidel(['demo-data', '--out', dir, '--size', 'tiny']);
  return dir;
}
