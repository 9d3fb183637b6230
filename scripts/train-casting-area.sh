#!/usr/bin/env bash
# Casting from scratch on the 'area' pixel path with >= 500 cluster-disjoint held-out goods
# (issue: detection, items 3-4). The held-out goods are the shipped model's 137 plus the next
# clusters of the same seeded order (0.2 of train/good), so both models can be compared on the
# 137 goods neither has seen. AE 40 epochs, head 8 epochs, then finalize. Resumable.
#   TRAIN_THREADS=1 nohup setsid scripts/train-casting-area.sh > training/runs/casting-area.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATASETS:-../shared/datasets}
R=training/runs
py() { /usr/bin/python3 -m training "$@"; }
H=$R/casting-heldout-area.txt
if [ ! -f $H ]; then
  /usr/bin/python3 - "$D/casting/train/good" "$H" <<'PY'
import sys
from pathlib import Path
from training import data
data.set_kernel('area')
x, names = data.prep(sys.argv[1], 128, 1)
_, ho, info = data.split_holdout(x, 0.2, 0)
hold = {names[i] for i in ho} | set(Path('training/splits/casting-heldout-137.txt').read_text().split())
Path(sys.argv[2]).write_text('\n'.join(sorted(hold)) + '\n')
print('held out', len(hold), info)
PY
fi
AE=$R/ae-casting-area2/casting-ae-area-fp32.onnx
resume=(); [ -f $R/ae-casting-area2/ckpt.pt ] && resume=(--resume)
[ -f "${AE%.onnx}.card.json" ] || py train --name ae-casting-area2 "${resume[@]}" --data $D/casting/train/good --widths 24,48,48 \
  --holdout-from $H --epochs ${AE_EPOCHS:-40} --defects $D/casting/train/defect --foreign $D/cracks/train/good \
  --test $D/casting/test --exclude $D/casting_test_good_identical_in_train.txt --ship-as casting-ae-area --out $R/ae-casting-area2
py head --name head-casting-area2 --data $D/casting/train/good --ae $AE --defects $D/casting/train/defect \
  --foreign $D/cracks/train/good --epochs ${HEAD_EPOCHS:-8} --holdout-from $H --shapes holes,rough,rim,flash
py finalize-head --name head-casting-area2 --ae $AE --data $D/casting/train/good --defects $D/casting/train/defect \
  --test $D/casting/test --exclude $D/casting_test_good_identical_in_train.txt --out $R/ship-casting-area2 --ship-as casting
