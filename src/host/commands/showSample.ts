/** "OptiDEL: Show Sample" (command palette: a run and a sample id; the gallery and the embedding map open it at a sample). */
import { runViewCommand } from '../panels/openRunView';

export const showSample = runViewCommand('optidel.showSample', 'sample', true);
