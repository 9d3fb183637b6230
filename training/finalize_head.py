"""Ship a trained discriminative stage: export AE + head as one graph (fp32 + int8), choose the
score rule on the selection set, calibrate the good-only threshold, write cards.

Rule choice: each candidate is a combo of robust z-scores (statistics from the held-out goods
of the very model variant that ships) or a single signal; the one with the best selection-set
AUROC on fp32 wins, and int8 gets the same rule with its own statistics and threshold. The
test split is only reported, never used for a choice.
"""
import json
import shutil
from pathlib import Path

import numpy as np
import torch

from . import metrics as M
from .data import make_split, prep, set_kernel
from .export_two import export_both
from .finalize import load_test, sha256, synthetic_defects, to_input
from .fit_head import ae_from_onnx
from .head import SegHead
from .quant import bench_ms, ort_run_all
from .ssim import score_from_maps
from .cardtext import short_paths
from .progress import data_warnings

POOLS = (1, 4, 8, 16)


def part_scores(x, rec, an, part):
    return score_from_maps(np.zeros((len(x),) + x.shape[2:]), x, rec, part, an)


def robust(v):
    med = float(np.median(v))
    return med, max(float(np.median(np.abs(v - med))) * M.MAD_TO_SIGMA, 1e-9)


def candidates(residual_rule):
    out = [dict(residual_rule)] + [{'rule': 'anomaly_max', 'pool': p} for p in POOLS]
    out += [{'rule': 'combo', 'parts': [dict(residual_rule), {'rule': 'anomaly_max', 'pool': p}]} for p in POOLS]
    return out


def with_stats(rule, xg, rg, ag):
    """A combo rule gets each part's median/scale from the held-out goods of this variant."""
    if rule['rule'] != 'combo':
        return rule
    parts = []
    for p in rule['parts']:
        med, sc = robust(part_scores(xg, rg, ag, p))
        parts.append({**p, 'median': med, 'scale': sc})
    return {'rule': 'combo', 'parts': parts}


def key(rule):
    if rule['rule'] == 'combo':
        return 'combo(' + '+'.join(key(p) for p in rule['parts']) + ')'
    return rule['rule'] + ''.join(f'_{k}{rule[k]}' for k in ('sign', 'pool', 'q') if k in rule)


def wilson(k, n, z=1.96):
    if n == 0:
        return [0.0, 1.0]
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [max(0.0, c - h), min(1.0, c + h)]


def finalize_head(run_dir: Path, ae_path: Path, data: str, defects, test, exclude, out: Path, ship_as: str, log=print, kernel=None, float_decoder=False):
    """kernel: the pixel path to calibrate and ship for (default: the AE card's own). Another one
    re-calibrates a model trained on other pixels: rule statistics, threshold and figures are
    all measured on the new pixels, and the card says both."""
    cfg = json.loads((run_dir / 'config.json').read_text())
    card0 = json.loads(Path(str(ae_path).replace('.onnx', '.card.json')).read_text())
    size, ch = cfg['size'], cfg['channels']
    shape = (ch, size, size)
    trained_on = card0['preprocess']['kernel']
    kernel = kernel or trained_on
    set_kernel(kernel)
    ae = ae_from_onnx(ae_path, ch, card0['training']['widths'])
    ck = torch.load(run_dir / 'best.pt')
    ae.load_state_dict(ck['ae'])
    head = SegHead(ch, tuple(cfg['head_widths']))
    head.load_state_dict(ck['head'])
    ae.eval(), head.eval()
    from .fit_head import _Wrap
    from .model import count_macs
    head_params = int(sum(p.numel() for p in head.parameters()))
    head_macs = count_macs(_Wrap(head), shape)
    x, names = prep(data, size, ch)
    # The head run's own held-out goods (written by `head`), so calibration never sees its training goods.
    own = run_dir / 'holdout_names.txt'
    tr, ho, _ = make_split(x, names, 0.05, cfg['seed'], str(own) if own.exists() else cfg.get('holdout_from'))
    if defects:
        d, _ = prep(defects, size, ch)
        pick = np.random.default_rng([cfg['seed'], 4242]).permutation(len(d))[:400]
        sel_d = d[np.sort(pick)]
    else:
        sel_d = synthetic_defects(x[ho], cfg['seed'], ('crack', 'scratch'))
    xg, xd = to_input(x[ho]), to_input(sel_d)
    calib = to_input(np.concatenate([x[ho], x[np.random.default_rng(cfg['seed']).permutation(tr)]])[:200])
    out.mkdir(parents=True, exist_ok=True)
    paths = {'fp32': run_dir / f'{ship_as}-fp32.onnx', 'int8': run_dir / f'{ship_as}-int8.onnx'}
    qinfo = export_both(ae, head, shape, calib, paths['fp32'], paths['int8'], float_decoder)
    ms = {v: bench_ms(p, shape) for v, p in paths.items()}
    log(f'two-stage export: {qinfo}; single-thread ms {ms}')
    outs = {v: (ort_run_all(p, xg), ort_run_all(p, xd)) for v, p in paths.items()}
    residual_rule = {k: v for k, v in cfg['rule'].items()}
    (rg, ag), (rd, ad) = outs['fp32']
    table = {}
    for r in candidates(residual_rule):
        rr = with_stats(r, xg, rg, ag)
        table[key(r)] = (M.auroc(part_scores(xg, rg, ag, rr), part_scores(xd, rd, ad, rr)), r)
    best_key = max(table, key=lambda k: table[k][0])
    log('selection AUROC (fp32): ' + ', '.join(f'{k}={v[0]:.4f}' for k, v in sorted(table.items(), key=lambda kv: -kv[1][0])))
    log(f'chosen rule: {best_key}')
    for w in data_warnings(len(x), len(ho)):
        log(f'WARNING: {w}')
    results = {'selection_table': {k: v[0] for k, v in table.items()}, 'rule': best_key, 'export': qinfo, 'ms': ms}
    for variant, path in paths.items():
        (rg, ag), (rd, ad) = outs[variant]
        rule = with_stats(table[best_key][1], xg, rg, ag)
        sg, sd = part_scores(xg, rg, ag, rule), part_scores(xd, rd, ad, rule)
        k, ktable = M.choose_k(sg, sd)
        thr, thr_rule = M.good_only_threshold(sg, k)
        fr = int((sg < thr).sum())
        calib_rec = {'held_out_good': {'n': int(len(sg)), 'median': float(np.median(sg)), 'mad': float(np.median(np.abs(sg - np.median(sg)))),
                                       'min': float(sg.min()), 'q01': float(np.quantile(sg, 0.01))},
                     'k_mad': k, 'selection_set': cfg['selection_set'], 'selection_auroc': M.auroc(sg, sd),
                     'selection_at_good_only': M.classify(sg, sd, thr),
                     'expected_false_reject_rate': {'value': fr / len(sg), 'ci95_wilson': wilson(fr, len(sg)), 'n_held_out_good': int(len(sg)),
                                                    'note': 'share of held-out goods below the threshold; small n: a wide interval'},
                     'warnings': data_warnings(len(x), len(sg))}
        res = {'calibration': calib_rec, 'threshold_good_only': thr}
        if test:
            g, dd, keep = load_test(test, size, ch, exclude)
            tg, td = to_input(g), to_input(dd)
            (trg, tag), (trd, tad) = ort_run_all(path, tg), ort_run_all(path, td)
            stg, std_ = part_scores(tg, trg, tag, rule), part_scores(td, trd, tad, rule)
            res['test'] = {'good_only': M.full_metrics(stg, std_, thr)}
            if not keep.all():
                res['test']['good_only_without_leaked'] = M.full_metrics(stg[keep], std_, thr)
            t = res['test']['good_only']
            log(f"test {variant}: AUROC {t['auroc']:.4f} acc {t['accuracy']:.4f} P {t['precision']:.3f} R {t['recall']:.3f} {t['confusion']}"
                + (f" | without leaked: AUROC {res['test']['good_only_without_leaked']['auroc']:.4f} acc {res['test']['good_only_without_leaked']['accuracy']:.4f}" if not keep.all() else ''))
        results[variant] = res
        card = dict(card0)
        card.update({
            'name': ship_as, 'variant': variant, 'onnx_sha256': sha256(path),
            'output': {'name': 'reconstruction', 'shape': [1, *shape]},
            'anomaly_output': {'name': 'anomaly', 'shape': [1, 1, size, size]},
            'preprocess': {**card0['preprocess'], 'kernel': kernel,
                           'decoder': 'libjpeg-turbo (JPEG), sharp (other formats); exact area resize' if kernel == 'area' else 'sharp'},
            'score': {**rule, 'polarity': 'higher_is_good'},
            'thresholds': {'good_only': {'value': thr, 'rule': thr_rule + f'; k = {k} by max balanced accuracy on the selection set ({cfg["selection_set"]})'}, 'f1_optimal': None},
            'calibration': calib_rec, 'metrics': res.get('test', {}),
            'training': {**{k2: v2 for k2, v2 in card0['training'].items() if k2 not in ('data', 'command', 'foreign_patches')},
                         'data': cfg['data_name'], 'head': {'params': head_params, 'macs': head_macs, 'widths': cfg['head_widths'],
                                                             'image_iterations_at_best': ck['state']['iters'], 'best_epoch': ck['state']['epoch'],
                                                             'selection_by_epoch': [h['selection'][cfg['select_by']] for h in ck['state']['history']], 'train_minutes': round(ck['state']['seconds'] / 60, 1),
                                                             'joint_ae_lr': cfg.get('joint_lr', 0), 'anomalies': {'shapes': cfg['shapes'], 'marks': cfg['marks']},
                                                             'command': short_paths(cfg['command'])},
                         'pixels': kernel if kernel == trained_on else f'trained on {trained_on} pixels, calibrated and evaluated on {kernel} pixels',
                         'macs_total': int(card0['training'].get('macs') or 0) + head_macs,
                         'ms_per_inference_1thread_onnxruntime_node': ms[variant], 'quantization': qinfo['quant'] if variant == 'int8' else None},
        })
        dst = out / path.name
        if dst.resolve() != path.resolve():  # --out may be the run folder itself
            shutil.copyfile(path, dst)
        card['onnx_sha256'] = sha256(dst)
        (out / f'{ship_as}-{variant}.card.json').write_text(json.dumps(card, indent=1) + '\n')
    (run_dir / 'metrics.json').write_text(json.dumps(results, indent=1, default=str))
    log(f'wrote {out}/{ship_as}-{{fp32,int8}}.onnx + cards')
    return results
