/** "OptiDEL: Open Difficulty histogram" (command palette and the Runs view's context menu). */
import { runViewCommand } from '../panels/openRunView';

export const openHistogram = runViewCommand('optidel.openHistogram', 'histogram');
