#!/bin/bash
# Submits a sharded OptiDEL run to Slurm (docs/scale-out.md). With a CONFIG, the whole pipeline:
# the ingest array (slurm-ingest.sbatch), the merge and pre-training job (slurm-pretrain.sbatch),
# the score and propose array (slurm-array.sbatch), then the merge and select job
# (slurm-merge.sbatch), each starting only once the one before has succeeded. Without one, the
# run folder must have ingest and pretrain done and only the last two are submitted. Prints the
# job ids in that order. Extra sbatch options (partition, account) go in SBATCH_OPTIONS, e.g.
# SBATCH_OPTIONS="--partition=cpu".
#   usage: submit-slurm.sh RUN_DIR SHARDS [CONFIG]
set -euo pipefail
if [ $# -ne 2 ] && [ $# -ne 3 ]; then
  echo "usage: $0 RUN_DIR SHARDS [CONFIG]" >&2
  exit 2
fi
run=$(realpath "$1")
shards=$2
here=$(dirname "$(realpath "$0")")
read -r -a extra <<<"${SBATCH_OPTIONS:-}"
ids=()
after=()
# Submits one job (after the previous one succeeded) and prints nothing; its id goes into ids.
submit() {
  local id
  id=$(OPTIDEL_RUN="$run" sbatch --parsable "${extra[@]}" "${after[@]}" --export=ALL "$@")
  id=${id%%;*}
  ids+=("$id")
  after=(--dependency="afterok:$id" --kill-on-invalid-dep=yes)
}
if [ $# -eq 3 ]; then
  export OPTIDEL_CONFIG
  OPTIDEL_CONFIG=$(realpath "$3")
  submit --array="0-$((shards - 1))" "$here/slurm-ingest.sbatch"
  submit "$here/slurm-pretrain.sbatch"
fi
submit --array="0-$((shards - 1))" "$here/slurm-array.sbatch"
submit "$here/slurm-merge.sbatch"
echo "${ids[*]}"
