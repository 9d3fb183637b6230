"""`python3 -m training head`: train the discriminative stage on a shipped (or trained) AE."""
import argparse
import json
import sys

from .cardtext import short_paths
from pathlib import Path

import numpy as np


def add_parser(sub, runs_default):
    h = sub.add_parser('head', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='train the discriminative stage (DRAEM-style head) on a frozen or jointly tuned AE; resumable')
    h.add_argument('--data', required=True, help='folder of good training images (the AE\'s training folder)')
    h.add_argument('--name', required=True, help='run folder under --runs; an existing ckpt.pt there is resumed')
    h.add_argument('--ae', required=True, help='the AE: an fp32 .onnx with its .card.json beside it')
    h.add_argument('--defects', default=None, help='labelled defects for the selection set (default: synthetic dark cracks on held-out goods)')
    h.add_argument('--sel-defects', type=int, default=400, help='how many labelled defects to sample for the selection set')
    h.add_argument('--foreign', default=None, help='images whose texture fills the Perlin masks (another dataset)')
    h.add_argument('--foreign-limit', type=int, default=500)
    h.add_argument('--epochs', type=int, default=12)
    h.add_argument('--batch', type=int, default=16)
    h.add_argument('--lr', type=float, default=1e-3)
    h.add_argument('--joint-lr', type=float, default=0.0, help='> 0: fine-tune the AE jointly at this learning rate')
    h.add_argument('--head-widths', default='8,16,32,48')
    h.add_argument('--shapes', default='holes,rough,rim', help='dataset-shaped defects of training/perlin.py SHAPES')
    h.add_argument('--marks', default='scratch,crack,hole,blob,edge', help='synth.py mark kinds also used (empty: none)')
    h.add_argument('--select-by', default='combo_p8', help='selection-table key that picks best.pt')
    h.add_argument('--ckpt-min', type=float, default=5.0, help='minutes between mid-epoch checkpoints')
    h.add_argument('--holdout', type=float, default=0.05, help='must match the AE run (its held-out goods are the selection goods)')
    h.add_argument('--seed', type=int, default=0)
    h.add_argument('--holdout-from', default=None, help="a run's holdout_names.txt: reuse its held-out goods")
    h.add_argument('--init-head', default=None, help='run name whose best.pt head weights start this run (fine-tuning, e.g. on new pixels)')
    h.set_defaults(fn=cmd_head, runs_default=runs_default)
    f = sub.add_parser('finalize-head', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='export AE + head (fp32 + int8), choose the combo rule, calibrate, write cards')
    f.add_argument('--name', required=True, help='the head run folder under --runs')
    f.add_argument('--ae', required=True, help='the fp32 AE .onnx the head was trained on (its card is the template)')
    f.add_argument('--data', required=True, help='the good training folder (held-out goods calibrate)')
    f.add_argument('--defects', default=None, help='labelled defects for the selection set (as in training)')
    f.add_argument('--test', default=None, help='folder with good/ and defect/ to report on (never used for choices)')
    f.add_argument('--exclude', default=None, help='test/good names also reported without (leaked files)')
    f.add_argument('--out', default=None, help='where the .onnx and cards go (default: models/)')
    f.add_argument('--ship-as', required=True, help='file/card name, e.g. casting-2stage')
    f.add_argument('--float-decoder', action='store_true', help="int8 graph keeps the AE decoder's convolutions and the logits float (mixed precision)")
    f.add_argument('--kernel', default=None, help="pixel path to calibrate and ship for (default: the AE card's); e.g. 'area' re-calibrates a lanczos3-trained model")
    f.set_defaults(fn=cmd_finalize_head)
    return h


def cmd_finalize_head(a):
    import torch
    from .cli import REPO, _log_to
    from .finalize_head import finalize_head
    torch.set_num_threads(a.threads)
    run_dir = Path(a.runs) / a.name
    finalize_head(run_dir, Path(a.ae), a.data, a.defects, a.test, a.exclude, Path(a.out or REPO / 'models'), a.ship_as, _log_to(run_dir / 'train.log'), kernel=a.kernel, float_decoder=a.float_decoder)


def cmd_head(a):
    import torch
    from .data import make_split, prep
    from .finalize import synthetic_defects
    from .fit_head import ae_from_onnx, fit_head
    from .cli import _log_to
    torch.set_num_threads(a.threads)
    from .data import set_kernel
    card = json.loads(Path(a.ae.replace('.onnx', '.card.json')).read_text())
    size, ch = card['preprocess']['width'], card['preprocess']['channels']
    set_kernel(card['preprocess']['kernel'])  # the AE's own pixel path
    ae = ae_from_onnx(Path(a.ae), ch, card['training']['widths'])
    run_dir = Path(a.runs) / a.name
    run_dir.mkdir(parents=True, exist_ok=True)
    log = _log_to(run_dir / 'train.log')
    x, names = prep(a.data, size, ch)
    tr, ho, split = make_split(x, names, a.holdout, a.seed, a.holdout_from)
    (run_dir / 'holdout_names.txt').write_text('\n'.join(names[i] for i in ho) + '\n')
    log(f'data {Path(a.data).name}: {len(x)} images, split {split}')
    from .progress import data_warnings
    for w in data_warnings(len(x), len(ho)):
        log(f'WARNING: {w}')
    pool = prep(a.foreign, size, 3, a.foreign_limit)[0] if a.foreign else None
    if a.defects:
        d, _ = prep(a.defects, size, ch)
        pick = np.random.default_rng([a.seed, 4242]).permutation(len(d))[:a.sel_defects]
        sel_defect, sel_kind = d[np.sort(pick)], f"{len(pick)} labelled defects sampled from {'/'.join(Path(a.defects).parts[-3:])}"
    else:
        sel_defect = synthetic_defects(x[ho], a.seed, ('crack', 'scratch'))
        sel_kind = f'synthetic dark crack/scratch marks on held-out goods ({len(sel_defect)})'
    rule = {k: v for k, v in card['score'].items() if k != 'polarity'}
    if rule['rule'] != 'residual_pool':
        rule = {'rule': 'residual_pool', 'sign': 'abs', 'pool': 2}
    cfg = {'name': a.name, 'data_name': '/'.join(Path(a.data).parts[-3:]), 'ae': Path(a.ae).name, 'size': size, 'channels': ch, 'seed': a.seed,
           'epochs': a.epochs, 'batch': a.batch, 'lr': a.lr, 'joint_lr': a.joint_lr,
           'head_widths': [int(v) for v in a.head_widths.split(',')], 'shapes': [v for v in a.shapes.split(',') if v],
           'marks': [m for m in a.marks.split(',') if m], 'select_by': a.select_by, 'ckpt_min': a.ckpt_min,
           'rule': rule, 'split': split, 'selection_set': sel_kind, 'n_batches': max(1, len(tr) // a.batch),
           'holdout_from': a.holdout_from,
           'init_head': str(Path(a.runs) / a.init_head / 'best.pt') if a.init_head else None,
           'command': short_paths(' '.join(['python3 -m training'] + sys.argv[1:]))}
    (run_dir / 'config.json').write_text(json.dumps(cfg, indent=1))
    log(f'selection set: {len(ho)} held-out goods vs {sel_kind}')
    fit_head(run_dir, ae, x[tr], x[ho], sel_defect, pool, cfg, log)
    log('done')
