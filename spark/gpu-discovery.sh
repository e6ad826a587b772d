#!/usr/bin/env bash
# Spark's GPU discovery script for executors: prints this machine's GPUs in Spark's resource format,
# e.g. {"name": "gpu", "addresses": ["0", "1"]}. Point spark.executor.resource.gpu.discoveryScript
# (and, in local-cluster or standalone workers, spark.worker.resource.gpu.discoveryScript) at it.
# No nvidia-smi, or no GPU: an empty list.
set -euo pipefail
ids=""
if command -v nvidia-smi >/dev/null 2>&1; then
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | grep -E '^[0-9]+$' \
    | sed 's/.*/"&"/' | paste -sd, - || true)
fi
echo "{\"name\": \"gpu\", \"addresses\": [${ids}]}"
