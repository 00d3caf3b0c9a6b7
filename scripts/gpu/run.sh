#!/usr/bin/env bash
# Runs the GPU benchmark from the bundle made by scripts/gpu/prepare.mjs, on a bare GPU machine:
# unpacks Node and the Vulkan loader where missing, then writes OUT_DIR/gpu-bench.json and
# OUT_DIR/cpu-training-N.json (wasm data-parallel training on N of the machine's cores, for each N
# in CPU_WORKERS, default "the cores").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${OUT:-$here/out}}
mkdir -p "$out"

node_bin=node
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  node_bin=/tmp/optidel-node
  xz -dc "$here/node.xz" > "$node_bin" && chmod +x "$node_bin"
fi
# The Vulkan loader and glvnd (which NVIDIA's Vulkan driver links against) go into the bundle's own
# folder, never into the system's; the system's come first where it has them.
for deb in "$here"/*.deb; do [ -f "$deb" ] && dpkg -x "$deb" "$here/vulkan"; done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$here/vulkan/usr/lib/x86_64-linux-gnu"
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="$icd"

nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader > "$out/gpu.txt" 2>/dev/null || echo "no nvidia-smi" > "$out/gpu.txt"
cd "$here"
"$node_bin" bench.js --out "$out/gpu-bench.json" "${@:2}"
for workers in ${CPU_WORKERS:-$(nproc)}; do
  echo "CPU data-parallel training, $workers workers…" >&2
  TRAINING_BENCH_WORKERS=$workers "$node_bin" training.js > "$out/cpu-training-$workers.json"
done
