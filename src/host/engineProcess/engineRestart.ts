/**
 * What a change of the `optidel.engine.*` settings does to an engine already running: an idle one
 * is stopped at once (the next command starts one with the new settings); a busy one is never killed
 * without asking. The user chooses "now", which cancels its commands the polite way (pre-training
 * saves a checkpoint first) and stops it once they have ended, or "later", which lets them finish.
 * Either way new commands go to a new engine with the new settings.
 *
 * Free of `vscode`: the question is asked through `ask`, so it is tested with a real engine client.
 */
import type { EngineClient } from '../../shared/node/engineClient';

export type RestartChoice = 'now' | 'later';

export async function retireEngine(
  client: EngineClient,
  ask: (running: string[]) => Promise<RestartChoice>,
  log: (message: string) => void,
): Promise<void> {
  const running = client.activeCommands;
  if (running.length === 0) {
    log('engine settings changed; the idle engine stops and restarts on next use');
    await client.dispose();
    return;
  }
  const choice = await ask(running);
  if (choice === 'now') {
    log(`engine settings changed; cancelling ${running.join(', ')} to restart the engine`);
    client.cancelAll();
  } else {
    log(`engine settings changed; the engine stops when ${running.join(', ')} end, new commands use the new settings`);
  }
  await client.whenIdle();
  await client.dispose();
}
