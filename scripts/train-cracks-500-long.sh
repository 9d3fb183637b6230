#!/usr/bin/env bash
# The 500-held-out-goods cracks AE (scripts/train-cracks-500.sh) trained further: the shipped AE is
# a chain of runs, so the from-scratch one gets a second leg at a lower rate (same held-out goods,
# so none of them is ever trained on), then a fresh head and finalize. Resumable.
#   TRAIN_THREADS=1 nohup setsid scripts/train-cracks-500-long.sh > training/runs/cracks-500-long.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATASETS:-../shared/datasets}
R=training/runs
py() { /usr/bin/python3 -m training "$@"; }
H=$R/cracks-heldout-500.txt
N=cracks-500-long
AE=$R/ae-$N/$N-ae-fp32.onnx
resume=(); [ -f $R/ae-$N/ckpt.pt ] && resume=(--resume)
[ -f "${AE%.onnx}.card.json" ] || py train --name ae-$N "${resume[@]}" --data $D/cracks/train/good --channels 1 \
  --widths 16,32,32 --size 160 --init ae-cracks-500-c1 --lr 5e-4 --holdout-from $H --epochs ${AE_EPOCHS:-30} \
  --kinds crack,scratch,foreign --foreign $D/casting/train/good --test $D/cracks/test --ship-as $N-ae --out $R/ae-$N
py head --name head-$N --data $D/cracks/train/good --ae $AE --shapes '' --marks crack,scratch \
  --foreign $D/casting/train/good --epochs ${HEAD_EPOCHS:-6} --holdout-from $H
py finalize-head --name head-$N --ae $AE --data $D/cracks/train/good --test $D/cracks/test \
  --out $R/ship-$N --ship-as cracks
