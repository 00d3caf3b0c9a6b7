#!/bin/bash
# Submits a sharded OptiDEL run to Slurm (docs/scale-out.md): the job array of SHARDS shard tasks
# (slurm-array.sbatch), then the merge and select job (slurm-merge.sbatch), which starts only once
# every task has succeeded. Prints the two job ids. Extra sbatch options (partition, account) go
# in SBATCH_OPTIONS, e.g. SBATCH_OPTIONS="--partition=cpu".
#   usage: submit-slurm.sh RUN_DIR SHARDS
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 RUN_DIR SHARDS" >&2
  exit 2
fi
run=$(realpath "$1")
shards=$2
here=$(dirname "$(realpath "$0")")
read -r -a extra <<<"${SBATCH_OPTIONS:-}"
array=$(OPTIDEL_RUN="$run" sbatch --parsable "${extra[@]}" --array="0-$((shards - 1))" --export=ALL "$here/slurm-array.sbatch")
merge=$(OPTIDEL_RUN="$run" sbatch --parsable "${extra[@]}" --dependency="afterok:${array%%;*}" --kill-on-invalid-dep=yes --export=ALL "$here/slurm-merge.sbatch")
echo "${array%%;*} ${merge%%;*}"
