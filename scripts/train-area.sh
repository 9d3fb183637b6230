#!/usr/bin/env bash
# Autoencoders on the 'area' pixel path (libjpeg-turbo + exact area resize, as the daemon now
# decodes), from scratch, with >= 500 cluster-disjoint held-out goods each for the threshold.
# Resumable: run it again after a stop; a finished run is skipped.
#   TRAIN_THREADS=1 nohup setsid scripts/train-area.sh > training/runs/area.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATASETS:-../shared/datasets}
py() { /usr/bin/python3 -m training "$@"; }
finished() { [ -f "training/runs/$1/progress.json" ] && /usr/bin/python3 -c "import json,sys; p=json.load(open('training/runs/$1/progress.json')); sys.exit(0 if p['epoch']>=p['epochs'] else 1)"; }
train() {
  local name=$1; shift
  if finished "$name"; then echo "skip $name (finished)"; return; fi
  local resume=(); [ -f "training/runs/$name/ckpt.pt" ] && resume=(--resume)
  py train --name "$name" "${resume[@]}" --no-finalize "$@"
}
train ae-casting-area --data $D/casting/train/good --widths 24,48,48 --holdout 0.2 --epochs 30 --time-budget 75 \
  --defects $D/casting/train/defect --foreign $D/cracks/train/good
train ae-cracks-area --data $D/cracks/train/good --channels 1 --widths 16,32,32 --holdout 0.25 --epochs 40 --time-budget 45 \
  --kinds crack,scratch,foreign --foreign $D/casting/train/good
