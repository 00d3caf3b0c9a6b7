/**
 * The engine never starts in an untrusted workspace: it runs training code and reads every file a
 * workspace's optidel.json names. Browsing run folders still works there. Kept apart from the
 * engine service so the refusal is a tested decision rather than an `if` nobody exercises.
 */
import { HostError } from './notify';

export const UNTRUSTED_ENGINE_REFUSAL =
  'the engine does not start in an untrusted workspace: it runs code and reads files named by the workspace. ' +
  'Trust the workspace (Workspaces: Manage Workspace Trust) to use it.';

/** Throws the refusal (the host's own text, shown as it is) unless the workspace is trusted. */
export function assertEngineMayStart(workspaceTrusted: boolean): void {
  if (workspaceTrusted !== true) throw new HostError(UNTRUSTED_ENGINE_REFUSAL);
}
