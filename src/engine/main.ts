/**
 * Entry point of the engine bundle. `node main.js --ipc [--backend NAME]` serves the extension
 * host over IPC; anything else is the command line (`bin/optidel.js` lands here).
 */
import type { BackendPreference } from '../shared/engineInfo';
import { envBackend, runCli } from './cli';
import { serveIpc } from './ipcServer';

const argv = process.argv.slice(2);
if (argv[0] === '--ipc') {
  const i = argv.indexOf('--backend');
  serveIpc(i > 0 ? (argv[i + 1] as BackendPreference) : envBackend());
} else {
  runCli(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`optidel: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
