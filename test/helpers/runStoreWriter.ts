/**
 * A second process for the run.json tests: `node --import tsx runStoreWriter.ts RUN_DIR NAME COUNT STAGE GO_FILE`
 * announces itself (GO_FILE.ready-NAME), waits for GO_FILE, then makes COUNT updates of run.json on
 * keys of its own (config["NAME-i"]) and moves STAGE between running and done after each.
 */
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { setStage, updateRun } from '../../src/shared/node/runStore';
import type { StageName } from '../../src/shared/runRecord';

async function main(): Promise<void> {
  const [runDir, name, countText, stage, goFile] = process.argv.slice(2);
  fs.writeFileSync(`${goFile}.ready-${name}`, '');
  while (!fs.existsSync(goFile)) await sleep(5);
  for (let i = 0; i < Number(countText); i++) {
    await updateRun(runDir, (record) => {
      record.config[`${name}-${i}`] = i;
    });
    await setStage(runDir, stage as StageName, i % 2 === 0 ? 'running' : 'done');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
