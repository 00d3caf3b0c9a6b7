/** "OptiDEL: Open Segmentation results" (command palette and the Runs view's context menu). */
import { runViewCommand } from '../panels/openRunView';

export const openSegmentation = runViewCommand('optidel.openSegmentation', 'segmentation');
