/** A CommandContext for tests that records what a command reports. */
import type { CommandContext } from '../../../src/engine/command';

export interface RecordingContext extends CommandContext {
  logs: string[];
  stages: string[];
  progressCalls: number;
  controller: AbortController;
}

export function recordingContext(): RecordingContext {
  const controller = new AbortController();
  const ctx: RecordingContext = {
    signal: controller.signal,
    backendPreference: 'cpu',
    logs: [],
    stages: [],
    progressCalls: 0,
    controller,
    progress() {
      ctx.progressCalls++;
    },
    log(level, message) {
      ctx.logs.push(`${level}: ${message}`);
    },
    metric() {},
    stage(_runDir, stage, status) {
      ctx.stages.push(`${stage}:${status}`);
    },
  };
  return ctx;
}
