/** A few command lines per command, shown under "Examples" in `optidel help <command>`. */
import type { CommandName } from '../shared/commands';

export const EXAMPLES: Partial<Record<CommandName, readonly string[]>> = {
  info: ['optidel info', 'optidel info --matmul-size 1024 --json'],
  'demo-data': ['optidel demo-data -o demo --size small'],
  ingest: [
    'optidel ingest -c optidel.json -o runs/first',
    'optidel ingest -c optidel.json -o runs/first --json | jq .samples',
  ],
  pretrain: [
    'optidel pretrain -r runs/first',
    'optidel pretrain -r runs/first --steps 2400 --batch-size 16 --no-augment',
  ],
  score: ['optidel score -r runs/first --masks 4', 'optidel score -r /shared/runs/pool --shard 3/100'],
  propose: ['optidel propose -r runs/first --per-image 4', 'optidel propose -r /shared/runs/pool --shard auto'],
  merge: ['optidel merge -r /shared/runs/pool', 'optidel merge -r /shared/runs/pool --stage score'],
  select: [
    'optidel select -r runs/first --method optidel --budget 0.05',
    'optidel select -r runs/first --method kcenter --budget 200 --json',
    'optidel select -r /shared/runs/pool --method kcenter --hierarchical --budget 0.01',
    'optidel select -r runs/first --method kcenter --balance-by Manufacturer',
  ],
  synthesize: ['optidel synthesize -r runs/first --method optidel'],
  train: ['optidel train -r runs/first --method optidel'],
  run: [
    'optidel run -c optidel.json -o runs/first',
    'optidel run -c optidel.json -o runs/quick --preset micro --steps 50',
  ],
  bench: [
    'optidel bench -c optidel.json -o runs/bench --methods scratch,full,random,optidel --seeds 3',
    'optidel bench -c optidel.json -o runs/bench --workers 2 --steps 2400 --seeds 5',
  ],
  runs: [
    'optidel runs list',
    'optidel runs show 20261202-101500-ab12 --json',
    'optidel runs list --dir /scratch/optidel-runs',
  ],
  similar: ['optidel similar -r runs/first --sample 120 --k 5'],
  sample: ['optidel sample -r runs/first --sample 120 --out sample-120'],
  embeddings: ['optidel embeddings -r runs/first --file dinov2.npy'],
  umap: ['optidel umap -r runs/first', 'optidel umap -r runs/first --neighbors 30 --min-dist 0.3'],
  duplicates: [
    'optidel duplicates -r runs/first',
    'optidel duplicates -r runs/first --min-similarity 0.98 --exclude-from optidel',
  ],
  'sample-scores': [
    'optidel sample-scores -r runs/first',
    'optidel sample-scores -r runs/first --sort representativeness --limit 0 --json',
  ],
  finetune: ['optidel finetune -r runs/first'],
  export: [
    'optidel export -r runs/first -o subset.ipynb --method optidel',
    'optidel export -r runs/first --what subset --images png -o subset',
    'optidel export -r runs/first --what scores -o scores',
  ],
};
