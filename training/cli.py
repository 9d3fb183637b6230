"""Command line: train | finalize | eval | debug-grid | compare."""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .cardtext import short_paths

REPO = Path(__file__).resolve().parent.parent
RUNS = REPO / 'training' / 'runs'


def _log_to(path: Path):
    f = open(path, 'a')

    def log(msg):
        line = f'[{time.strftime("%H:%M:%S")}] {msg}'
        print(line, flush=True)
        f.write(line + '\n')
        f.flush()
    return log


def detect_channels(data_dir: str, size: int) -> int:
    """1 when the images are grey (R=G=B everywhere, e.g. casting), else 3."""
    from .data import prep
    x, _ = prep(data_dir, size, 3, limit=32)
    return 1 if (np.all(x[..., 0] == x[..., 1]) and np.all(x[..., 1] == x[..., 2])) else 3


def cmd_train(a):
    import torch
    from .data import make_split, prep
    from .fit import fit
    from .data import set_kernel
    torch.set_num_threads(a.threads)
    set_kernel(a.kernel)
    run_dir = Path(a.runs) / a.name
    run_dir.mkdir(parents=True, exist_ok=True)
    log = _log_to(run_dir / 'train.log')
    ch = a.channels or detect_channels(a.data, a.size)
    x, names = prep(a.data, a.size, ch, a.limit)
    tr, ho, split = make_split(x, names, a.holdout, a.seed, a.holdout_from)
    if len(ho) == 0:  # tiny smoke runs: keep one image aside anyway
        tr, ho = np.arange(len(x) - 1), np.array([len(x) - 1])
    log(f'data {a.data}: {len(x)} images, channels {ch}, split {split}')
    from .progress import data_warnings
    for w in data_warnings(len(x), len(ho)):
        log(f'WARNING: {w}')
    pool = None
    if a.foreign:
        pool, _ = prep(a.foreign, a.size, 3, a.foreign_limit)
    cfg = {'name': a.name, 'data': str(Path(a.data).resolve()), 'size': a.size, 'channels': ch, 'seed': a.seed,
           'epochs': a.epochs, 'batch': a.batch, 'lr': a.lr, 'l1': a.l1, 'widths': [int(v) for v in a.widths.split(',')],
           'holdout_frac': a.holdout, 'split': split, 'foreign': a.foreign, 'defects': a.defects, 'test': a.test,
           'exclude': a.exclude, 'limit': a.limit, 'time_budget_min': a.time_budget, 'out': a.out,
           'k_mad': a.k_mad, 'kinds': a.kinds.split(',') if a.kinds else None,
           'init': str((Path(a.runs) / a.init).resolve()) if a.init else None, 'ship_as': a.ship_as, 'calib_images': a.calib_images, 'kernel': a.kernel, 'holdout_from': a.holdout_from,
           'data_name': '/'.join(Path(a.data).parts[-3:]), 'command': short_paths(' '.join(['python3 -m training'] + sys.argv[1:]))}
    (run_dir / 'holdout_names.txt').write_text('\n'.join(names[i] for i in ho) + '\n')
    np.save(run_dir / 'holdout_idx.npy', ho)
    (run_dir / 'config.json').write_text(json.dumps(cfg, indent=1))
    sel = None
    if a.defects:
        d, _ = prep(a.defects, a.size, ch)
        sel = d[np.sort(np.random.default_rng([a.seed, 4242]).permutation(len(d))[:400])]
    else:
        from .finalize import synthetic_defects
        sel = synthetic_defects(x[ho], a.seed, ('crack', 'scratch'), copies=1)
    fit(run_dir, x[tr], x[ho], pool, cfg, log, sel_defect=sel, resume=a.resume)
    (run_dir / 'config.json').write_text(json.dumps(cfg, indent=1))
    if not a.no_finalize:
        from .finalize import finalize
        finalize(run_dir, log)


def cmd_finalize(a):
    import torch
    torch.set_num_threads(a.threads)
    from .data import set_kernel
    from .finalize import finalize
    run_dir = Path(a.runs) / a.name
    set_kernel(json.loads((run_dir / 'config.json').read_text()).get('kernel', 'lanczos3'))
    finalize(run_dir, _log_to(run_dir / 'train.log'), out=a.out, ship_as=a.ship_as, k_mad=a.k_mad)


def cmd_eval(a):
    import torch
    torch.set_num_threads(a.threads)
    from .finalize import eval_model
    print(json.dumps(eval_model(a.model, a.test, a.exclude), indent=1))


def cmd_debug_grid(a):
    import torch
    torch.set_num_threads(a.threads)
    from .report import debug_grid
    debug_grid(Path(a.runs) / a.name, a.data, a.out, a.n, a.seed)
    print(a.out)


def cmd_compare(a):
    from .report import compare
    print(compare(Path(a.runs)))


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training')
    p.add_argument('--runs', default=str(RUNS))
    p.add_argument('--threads', type=int, default=int(os.environ.get('TRAIN_THREADS', '1')))
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='prep + train + calibrate + export fp32/int8 + cards')
    t.add_argument('--data', required=True, help='folder of good training images')
    t.add_argument('--name', required=True)
    t.add_argument('--epochs', type=int, default=40)
    t.add_argument('--size', type=int, default=128)
    t.add_argument('--channels', type=int, choices=[1, 3], default=None, help='default: 1 if the images are grey')
    t.add_argument('--seed', type=int, default=0)
    t.add_argument('--defects', default=None, help='labelled defect images (threshold study / F1-optimal threshold only)')
    t.add_argument('--test', default=None, help='folder with good/ and defect/ to report figures on (never used for choices)')
    t.add_argument('--exclude', default=None, help='file of test/good names to also report without (leaked files)')
    t.add_argument('--foreign', default=None, help='images to cut foreign patches from (another dataset)')
    t.add_argument('--foreign-limit', type=int, default=500)
    t.add_argument('--out', default=str(REPO / 'models'))
    t.add_argument('--limit', type=int, default=None)
    t.add_argument('--batch', type=int, default=16)
    t.add_argument('--lr', type=float, default=2e-3)
    t.add_argument('--l1', type=float, default=0.5)
    t.add_argument('--widths', default='16,32,32')
    t.add_argument('--holdout', type=float, default=0.05)
    t.add_argument('--k-mad', default='auto', help="margin k of median - k*1.4826*MAD, or 'auto' (balanced accuracy on the selection set)")
    t.add_argument('--calib-images', type=int, default=200)
    t.add_argument('--time-budget', type=float, default=None, help='minutes; shortens the schedule to fit')
    t.add_argument('--no-finalize', action='store_true')
    t.add_argument('--kinds', default=None, help='synthetic anomaly kinds, comma-separated (default: all of training/synth.py KINDS)')
    t.add_argument('--init', default=None, help='run name to fine-tune from (same widths/channels)')
    t.add_argument('--ship-as', default=None, help='name of the shipped files/card (default: --name)')
    t.add_argument('--kernel', default='area', help="pixel path of the daemon (src/preprocess): 'area' (libjpeg-turbo + area resize) or a sharp kernel such as lanczos3")
    t.add_argument('--resume', action='store_true', help='continue the run in --name from its ckpt.pt')
    t.add_argument('--holdout-from', default=None, help="a run's holdout_names.txt: reuse its held-out goods (fine-tuning on new pixels)")
    t.set_defaults(fn=cmd_train)
    f = sub.add_parser('finalize', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='calibrate + export + cards for a trained run')
    f.add_argument('--name', required=True)
    f.add_argument('--out', default=None)
    f.add_argument('--ship-as', default=None, help='name of the shipped files/card (default: run name)')
    f.add_argument('--k-mad', default=None)
    f.set_defaults(fn=cmd_finalize)
    e = sub.add_parser('eval', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='score a test folder (good/, defect/) with an exported model + card')
    e.add_argument('--model', required=True)
    e.add_argument('--test', required=True)
    e.add_argument('--exclude', default=None)
    e.set_defaults(fn=cmd_eval)
    d = sub.add_parser('debug-grid', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='PNG grid: original / synthetic / reconstruction / SSIM map')
    d.add_argument('--name', required=True)
    d.add_argument('--data', required=True)
    d.add_argument('--out', required=True)
    d.add_argument('--n', type=int, default=8)
    d.add_argument('--seed', type=int, default=0)
    d.set_defaults(fn=cmd_debug_grid)
    from .head_cli import add_parser as add_head
    add_head(sub, p.get_default('runs'))
    c = sub.add_parser('compare', formatter_class=argparse.ArgumentDefaultsHelpFormatter, help='table across run records')
    c.set_defaults(fn=cmd_compare)
    t.epilog = ('other steps: inspectd train finalize | eval | head | finalize-head | debug-grid | compare … --help; '
                'and, for every step: --runs DIR (default: training/runs), --threads N (default: $TRAIN_THREADS or 1)')
    from .helpfmt import show_defaults
    show_defaults(p)
    a = p.parse_args(argv)
    a.fn(a)
