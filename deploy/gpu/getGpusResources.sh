#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs of this node as the JSON Spark expects,
#   {"name": "gpu", "addresses": ["0", "1", ...]}
# one address per GPU index that nvidia-smi reports. Spark runs it when an executor (or the driver)
# asks for GPUs: spark.executor.resource.gpu.discoveryScript, spark.driver.resource.gpu.discoveryScript,
# spark.worker.resource.gpu.discoveryScript (standalone). The indexes are those CUDA uses, so a task's
# addresses become the worker's CUDA_VISIBLE_DEVICES as they are.
#
# Exits non-zero, with the reason on stderr, when nvidia-smi is missing or fails or lists no GPU:
# Spark then fails the executor's start with that reason instead of scheduling tasks on no GPU.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found; this node needs the NVIDIA driver" >&2
  exit 1
fi
if ! indexes=$(nvidia-smi --query-gpu=index --format=csv,noheader); then
  echo "getGpusResources.sh: nvidia-smi failed (driver not loaded?)" >&2
  exit 1
fi

addresses=""
while read -r index; do
  index=${index//[[:space:]]/}
  [[ -z "$index" ]] && continue
  addresses+="${addresses:+, }\"$index\""
done <<< "$indexes"

if [[ -z "$addresses" ]]; then
  echo "getGpusResources.sh: nvidia-smi lists no GPU" >&2
  exit 1
fi
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
