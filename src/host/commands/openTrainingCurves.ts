/** "OptiDEL: Open Training Curves" (command palette, the Runs view, a stage's "Open Metrics"). */
import { runViewCommand } from '../panels/openRunView';

export const openTrainingCurves = runViewCommand('optidel.openTrainingCurves', 'curves');
