#!/usr/bin/env bash
# The shipped cracks head was kept at its 3rd epoch with the selection AUROC still rising
# (0.881, 0.907, 0.922: models/cracks-int8.card.json, training.head.selection_by_epoch). This run
# continues it (init from the shipped head, lower rate) on the shipped 160-px area AE, same 100
# held-out goods, and finalizes; the shipping criterion is the int8 selection AUROC.
# The AE and head weights are taken out of the shipped two-stage graph first. Resumable.
#   TRAIN_THREADS=1 nohup setsid scripts/train-cracks-head-cont.sh > training/runs/cracks-head-cont.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATASETS:-../shared/datasets}
R=training/runs
py() { /usr/bin/python3 -m training "$@"; }
AE=$R/cracks-ae160-shipped/cracks-ae-160-fp32.onnx
[ -f "${AE%.onnx}.card.json" ] || /usr/bin/python3 -m training.split_shipped models/cracks-fp32.onnx models/cracks-ae-fp32.card.json "$AE" $R/head-cracks-shipped
py head --name head-cracks-cont --data $D/cracks/train/good --ae $AE --shapes '' --marks crack,scratch \
  --foreign $D/casting/train/good --epochs ${HEAD_EPOCHS:-6} --lr 3e-4 --init-head head-cracks-shipped \
  --holdout-from training/splits/cracks-heldout-100.txt
py finalize-head --name head-cracks-cont --ae $AE --data $D/cracks/train/good --test $D/cracks/test \
  --out $R/ship-cracks-cont --ship-as cracks
