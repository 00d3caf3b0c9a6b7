/** Every command the extension registers; each lives in its own module. */
import type { HostCommand } from '../services';
import { showEngineInfo } from './showEngineInfo';

export const HOST_COMMANDS: readonly HostCommand[] = [showEngineInfo];
