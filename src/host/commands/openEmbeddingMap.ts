/** "OptiDEL: Open Embedding map" (command palette and the Runs view's context menu). */
import { runViewCommand } from '../panels/openRunView';

export const openEmbeddingMap = runViewCommand('optidel.openEmbeddingMap', 'embeddingMap');
