/** "OptiDEL: Open Sample gallery" (command palette and the Runs view's context menu). */
import { runViewCommand } from '../panels/openRunView';

export const openGallery = runViewCommand('optidel.openGallery', 'gallery');
