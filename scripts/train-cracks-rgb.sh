#!/usr/bin/env bash
# Cracks in RGB (issue: detection, item 5: "measure RGB"): the shipped grey 160-px two-stage
# model inflated to 3 channels (training/inflate_rgb.py: on a grey image it gives the grey
# outputs), then the AE fine-tuned on RGB area pixels and the head after it, same 100 held-out
# goods, then finalize. Same schedule as a continued grey run, so the comparison is colour, not
# training length. Resumable like the others.
#   TRAIN_THREADS=1 nohup setsid scripts/train-cracks-rgb.sh > training/runs/cracks-rgb.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATASETS:-../shared/datasets}
R=training/runs
py() { /usr/bin/python3 -m training "$@"; }
H=training/splits/cracks-heldout-100.txt
[ -f $R/cracks-rgb-init/model.pt ] || /usr/bin/python3 -m training.inflate_rgb models/cracks-fp32.onnx $R/cracks-rgb-init $R/head-cracks-rgb-init
AE=$R/ae-cracks-rgb/cracks-ae-rgb-fp32.onnx
resume=(); [ -f $R/ae-cracks-rgb/ckpt.pt ] && resume=(--resume)
[ -f "${AE%.onnx}.card.json" ] || py train --name ae-cracks-rgb "${resume[@]}" --data $D/cracks/train/good --channels 3 \
  --widths 16,32,32 --size 160 --init cracks-rgb-init --lr 5e-4 --holdout-from $H --epochs ${AE_EPOCHS:-8} \
  --kinds crack,scratch,foreign --foreign $D/casting/train/good --test $D/cracks/test --ship-as cracks-ae-rgb --out $R/ae-cracks-rgb
py head --name head-cracks-rgb --data $D/cracks/train/good --ae $AE --shapes '' --marks crack,scratch \
  --foreign $D/casting/train/good --epochs ${HEAD_EPOCHS:-4} --lr 3e-4 --init-head head-cracks-rgb-init --holdout-from $H
py finalize-head --name head-cracks-rgb --ae $AE --data $D/cracks/train/good --test $D/cracks/test \
  --out $R/ship-cracks-rgb --ship-as cracks
