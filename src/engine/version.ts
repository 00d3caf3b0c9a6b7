/**
 * The extension's version, read from the package.json two folders above this code: the bundle
 * (dist/engine/main.js) and the sources (src/engine/) both sit there, in a clone and in a .vsix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const OPTIDEL_VERSION = readVersion();
