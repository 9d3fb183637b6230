#!/usr/bin/env bash
# Discriminative-stage experiments (issue: detection). Resumable: run it again after a stop and
# each run continues from its ckpt.pt; finished runs are skipped (their progress.json says so).
#   TRAIN_THREADS=1 nohup scripts/train-heads.sh > training/runs/heads.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATASETS:-../shared/datasets}
py() { /usr/bin/python3 -m training "$@"; }
done_run() { [ -f "training/runs/$1/progress.json" ] && /usr/bin/python3 -c "import json,sys; p=json.load(open('training/runs/$1/progress.json')); sys.exit(0 if p['epoch']>=p['epochs'] else 1)"; }
run() { local name=$1; shift; done_run "$name" && { echo "skip $name (finished)"; return; }; py head --name "$name" "$@"; }

# casting: frozen AE, dataset-shaped defects + marks + Perlin/foreign texture
run head-casting-frozen --data $D/casting/train/good --ae models/casting-ae-fp32.onnx \
  --defects $D/casting/train/defect --foreign $D/cracks/train/good --epochs 10
# cracks: thin dark marks only (pores are natural in concrete, so no holes), Perlin/foreign
run head-cracks-frozen --data $D/cracks/train/good --ae models/cracks-ae-fp32.onnx \
  --shapes '' --marks crack,scratch --foreign $D/casting/train/good --epochs 8
# casting: AE fine-tuned jointly with the head
run head-casting-joint --data $D/casting/train/good --ae models/casting-ae-fp32.onnx \
  --defects $D/casting/train/defect --foreign $D/cracks/train/good --epochs 10 --joint-lr 1e-4
