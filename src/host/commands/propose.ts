/** "OptiDEL: Propose Key Patches": our windows plus the user's boxes (docs/key-patches.md), each scored. */
import { scoreRuntime } from '../settings';
import { stageCommand } from './pretrain';

export const proposeKeyPatches = stageCommand(
  'optidel.propose',
  'propose',
  'propose',
  (run) => ({ run, runtime: scoreRuntime() }),
  (r) =>
    `${r.patches} key patches (${r.auto} ours, ${r.user} yours${r.skipped.length ? `, ${r.skipped.length} user entries skipped: see the log` : ''})`,
);
