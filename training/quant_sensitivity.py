"""int8 sensitivity (casting two-stage): leave one Conv in float at a time; selection-set AUROC
of the residual and combo rules. Usage: python3 -m training.quant_sensitivity FP32.onnx KERNEL HOLDOUT.txt"""
# int8 sensitivity: leave one Conv in float at a time; selection AUROC of the residual and combo rules.
import json, sys
from pathlib import Path
import numpy as np, onnx
from training import metrics as M
from training.data import make_split, prep, set_kernel
from training.finalize import to_input
from training.finalize_head import part_scores, with_stats, key
from training.quant import activation_ranges, quantize_qdq, ort_run_all
import os
D = os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'casting')
fp32 = Path(sys.argv[1]); kernel = sys.argv[2]; holdout = sys.argv[3]
set_kernel(kernel)
x, names = prep(D + '/train/good', 128, 1)
tr, ho, _ = make_split(x, names, 0.05, 0, holdout)
d, _ = prep(D + '/train/defect', 128, 1)
sel_d = d[np.sort(np.random.default_rng([0, 4242]).permutation(len(d))[:400])]
xg, xd = to_input(x[ho]), to_input(sel_d)
calib = to_input(np.concatenate([x[ho], x[np.random.default_rng(0).permutation(tr)]])[:200])
rr = activation_ranges(fp32, calib)
rules = [{'rule': 'residual_pool', 'sign': 'abs', 'pool': 2}, {'rule': 'combo', 'parts': [{'rule': 'residual_pool', 'sign': 'abs', 'pool': 2}, {'rule': 'anomaly_max', 'pool': 8}]}]
def sel(p):
    (rg, ag), (rd, ad) = ort_run_all(p, xg), ort_run_all(p, xd)
    out = []
    for r in rules:
        r2 = with_stats(r, xg, rg, ag)
        out.append(round(M.auroc(part_scores(xg, rg, ag, r2), part_scores(xd, rd, ad, r2)), 4))
    return out
convs = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == 'Conv']
tmp = Path(os.environ.get('TMPDIR', '/tmp')) / 'quant-sensitivity.onnx'
groups = [('none', ())] + [(c, (c,)) for c in convs if c.startswith('/ae/')] + [('all_ae', tuple(c for c in convs if c.startswith('/ae/'))), ('ae_dec', tuple(c for c in convs if '/dec/' in c))]
for name, keep in groups:
    quantize_qdq(fp32, rr, (0.0, 1.0), tmp, keep_float=keep)
    print(name, sel(tmp), flush=True)
