/**
 * Remembers which run folders the engine is working in, from its stage events, so that when the
 * engine process dies the host can mark those stages failed at once and say why: the engine itself
 * can no longer write anything.
 */
import type { EngineEvent } from '../../shared/protocol';
import { markInterrupted } from '../../shared/node/runStore';

export class StageWatch {
  private readonly runDirs = new Set<string>();

  observe(event: EngineEvent): void {
    if (event.type !== 'stage') return;
    if (event.status === 'running') this.runDirs.add(event.runDir);
  }

  /** After the engine exited: marks each stage it left running as failed; returns "runDir: stage" entries. */
  async engineExited(description: string): Promise<string[]> {
    const reason = `the engine process ended during this stage (${description}); run the stage again to resume from its last checkpoint`;
    const marked: string[] = [];
    for (const runDir of this.runDirs) {
      try {
        for (const stage of await markInterrupted(runDir, reason)) marked.push(`${runDir}: ${stage}`);
      } catch {
        // An unreadable run.json is reported by the Runs view; nothing to mark here.
      }
    }
    this.runDirs.clear();
    return marked;
  }
}
