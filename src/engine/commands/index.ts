/** Every engine command, served by the command line and the IPC server alike. */
import type { CommandName } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { infoCommand } from './info';
import { ingestCommand } from './ingest';
import { demoDataCommand } from './demoData';
import { exportCommand } from './export';
import { pretrainCommand } from './pretrain';
import { scoreCommand } from './score';
import { proposeCommand } from './propose';
import { benchCommand } from './bench';
import { finetuneCommand } from './finetune';
import { selectCommand } from './select';
import { synthesizeCommand } from './synthesize';
import { trainCommand } from './train';
import { runCommand } from './run';
import { runsCommand } from './runs';
import { similarCommand } from './similar';
import { sampleCommand } from './sample';
import { duplicatesCommand } from './duplicates';
import { umapCommand } from './umap';
import { embeddingsCommand } from './embeddings';
import { mergeCommand } from './merge';
import { sampleScoresCommand } from './sampleScores';

type AnyCommand = { [N in CommandName]: EngineCommand<N> }[CommandName];

export const COMMANDS: { [N in CommandName]: EngineCommand<N> } = {
  info: infoCommand,
  ingest: ingestCommand,
  'demo-data': demoDataCommand,
  export: exportCommand,
  pretrain: pretrainCommand,
  score: scoreCommand,
  propose: proposeCommand,
  bench: benchCommand,
  finetune: finetuneCommand,
  select: selectCommand,
  synthesize: synthesizeCommand,
  train: trainCommand,
  run: runCommand,
  runs: runsCommand,
  similar: similarCommand,
  sample: sampleCommand,
  duplicates: duplicatesCommand,
  umap: umapCommand,
  embeddings: embeddingsCommand,
  merge: mergeCommand,
  'sample-scores': sampleScoresCommand,
};

export function findCommand(name: string): AnyCommand | undefined {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name)
    ? (COMMANDS[name as CommandName] as AnyCommand)
    : undefined;
}
