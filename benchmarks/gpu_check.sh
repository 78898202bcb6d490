#!/usr/bin/env bash
# One-call check of the CUDA paths (fine-tuning bf16, predict, embed, scan, FLOP/s share of a bf16 matmul)
# on a single-GPU machine with torch+CUDA and transformers but no network and no install of enhancerlm.
#
#   bash benchmarks/gpu_check.sh                      # DNABERT-size random-init BERT on the GPU, < 8 min
#   bash benchmarks/gpu_check.sh --compile            # ... and predict after torch.compile
#   bash benchmarks/gpu_check.sh --device cpu --tiny  # the CI path: tiny model on the CPU, < 1 min
#
# Prints one table on stdout (progress on stderr); exits non-zero on any error.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
# Run from the checkout: the package need not be installed. Never reach for the hub or an index.
export PYTHONPATH="$repo/src${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 PIP_NO_INDEX=1
export TOKENIZERS_PARALLELISM=false

if ! command -v "$python" >/dev/null 2>&1; then
    echo "gpu_check: error: no Python interpreter '$python' (set PYTHON=...)" >&2
    exit 2
fi
if ! "$python" -c "import torch, transformers, numpy, pandas, sklearn, typer, pyfaidx" 2>/dev/null; then
    echo "gpu_check: error: $python lacks one of torch, transformers, numpy, pandas, scikit-learn, typer, pyfaidx" >&2
    "$python" -c "import torch, transformers, numpy, pandas, sklearn, typer, pyfaidx" || true
    exit 2
fi

cd "$repo"
start=$(date +%s)
"$python" benchmarks/gpu_check.py "$@"
echo "gpu_check: done in $(( $(date +%s) - start )) s" >&2
