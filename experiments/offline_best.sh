#!/usr/bin/env bash
# The best offline recipe (`offline-best`: gapped + contiguous k-mer logistic regression) trained on the whole
# iEnhancer training set (../shared/data/ienhancer) and tested on the test SPECs given, e.g. the benchmark's
# independent test set, which is not in this repository:
#   experiments/offline_best.sh test_strong.fa:enhancer test_weak.fa:enhancer test_non.fa:not_enhancer
# OUT (default runs/offline-best) gets the usual `run` outputs; metrics.json holds the test numbers. ~1-2 min.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/ienhancer
out=${OUT:-runs/offline-best}
bin=${BIN:-.venv/bin}
[ -d "$data" ] || { echo "no $data: the shared data lives beside the checkout" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 TEST_SPEC... (FASTA:LABEL, or a table with sequence/label columns)" >&2; exit 2; }
tests=()
for spec in "$@"; do tests+=(--test "$spec"); done
time "$bin/enhancerlm" run --backbone offline-best --both-strands --baselines kmer-lr --baselines gc --seed 0 \
  --train "$data/train_strong_enhancers.fa:enhancer" --train "$data/train_weak_enhancers.fa:enhancer" \
  --train "$data/train_non_enhancers.fa:not_enhancer" --positive-label enhancer "${tests[@]}" --out "$out"
"$bin/python" experiments/summarize_runs.py "$out"
