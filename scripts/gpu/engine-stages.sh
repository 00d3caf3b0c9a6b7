#!/usr/bin/env bash
# The engine's own stages on one backend, as a user runs them: demo data at IMAGE px, ingest,
# pretrain (PRESET, STEPS, one checkpoint), score, propose, select, fine-tune (FINETUNE steps per
# data set) and the encoder export; each stage's wall seconds on stderr, its JSON summary in OUT.
# Needs only Node and the built engine (dist/engine, no node_modules; for webgpu, the `webgpu`
# package where Node resolves it, as in .gpu-bundle/node_modules).
#   bash scripts/gpu/engine-stages.sh NODE ENGINE_DIR BACKEND PRESET IMAGE STEPS FINETUNE OUT
set -euo pipefail
node=$1 engine=$2 backend=$3 preset=$4 image=$5 steps=$6 finetune=$7 out=$8
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TIMEFORMAT='   %R s wall'
stage() {
  local name=$1
  shift
  echo "== optidel $name $*" >&2
  time "$node" "$engine/main.js" "$name" "$@" --backend "$backend" --json | tail -1 > "$out/$name-$backend.json"
}
stage demo-data -o "$work/demo" --size small --image-size "$image"
stage ingest --config "$work/demo/optidel.json" --out "$work/run"
stage pretrain --run "$work/run" --preset "$preset" --steps "$steps" --checkpoint-every "$steps"
stage score --run "$work/run"
stage propose --run "$work/run"
stage select --run "$work/run" --method optidel
stage finetune --run "$work/run" --checkpoint pretrain --finetune-steps "$finetune"
stage export --run "$work/run" --what encoder --checkpoint pretrain --out "$work/encoder.safetensors"
