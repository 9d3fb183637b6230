"""After training: choose the score rule, calibrate thresholds, export fp32 + int8, write cards,
evaluate, and record everything in the run folder."""
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import torch

from . import metrics as M
from .data import prep
from .model import DilatedAE
from .quant import activation_ranges, bench_ms, export_fp32, fused_ops, ort_run, quantize_qdq
from .ssim import K1, K2, SIGMA, WIN, DATA_RANGE, score_from_maps, ssim_map
from .synth import corrupt
from .cardtext import short_paths
from .progress import data_warnings

CANDIDATES = ([{'rule': 'ssim_mean'}]
              + [{'rule': 'ssim_pool_min', 'pool': p} for p in (2, 4, 8, 16)]
              + [{'rule': 'ssim_quantile', 'q': q} for q in (0.001, 0.01, 0.05)]
              + [{'rule': 'residual_pool', 'sign': s, 'pool': p} for s in ('dark', 'bright', 'abs') for p in (2, 3, 4, 6, 8, 16)])


def to_input(x_u8: np.ndarray) -> np.ndarray:
    """uint8 NHWC -> float NCHW in [0,1]; the cards use mean 0 / std 1, so this IS the model input."""
    return np.ascontiguousarray(x_u8.transpose(0, 3, 1, 2), dtype=np.float32) / 255.0


def scores_all(x: np.ndarray, y: np.ndarray, rules) -> list[np.ndarray]:
    out = [[] for _ in rules]
    for i in range(0, len(x), 128):
        xb, yb = x[i:i + 128], y[i:i + 128]
        sm = ssim_map(torch.from_numpy(xb).double(), torch.from_numpy(yb).double()).numpy()
        for k, r in enumerate(rules):
            out[k].append(score_from_maps(sm, xb, yb, r))
    return [np.concatenate(o) for o in out]


def rule_key(r: dict) -> str:
    return r['rule'] + ''.join(f'_{k}{r[k]}' for k in ('sign', 'pool', 'q') if k in r)


def synthetic_defects(x_u8: np.ndarray, seed: int, kinds, copies: int = 3, shade='dark') -> np.ndarray:
    """Held-out goods with 1-2 synthetic marks each (never the training rng stream)."""
    out = []
    for c in range(copies):
        for i, img in enumerate(x_u8):
            rng = np.random.default_rng([seed, 7777, c, i])
            while True:
                cor, mask = corrupt(img.astype(np.float32) / 255, rng, None, 2, kinds, shade)
                if mask.max() > 0.5:
                    break
            out.append(np.round(cor * 255).astype(np.uint8))
    return np.stack(out)


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def load_test(test_dir, size, ch, exclude):
    g, gn = prep(str(Path(test_dir) / 'good'), size, ch)
    d, _ = prep(str(Path(test_dir) / 'defect'), size, ch)
    keep = np.ones(len(g), bool)
    if exclude:
        ex = set(Path(exclude).read_text().split())
        ex = {Path(e).name for e in ex}
        keep = np.array([n not in ex for n in gn])
    return g, d, keep


def finalize(run_dir: Path, log=print, out=None, ship_as=None, k_mad=None):
    """ship_as: file/card name in `out` (default: the run name); k_mad overrides the config."""
    warnings.filterwarnings('ignore', category=UserWarning)
    cfg = json.loads((run_dir / 'config.json').read_text())
    if k_mad is not None:
        cfg['k_mad'] = k_mad
    out = Path(out or cfg['out'])
    out.mkdir(parents=True, exist_ok=True)
    size, ch, name = cfg['size'], cfg['channels'], ship_as or cfg.get('ship_as') or cfg['name']
    # best.pt: the epoch with the best selection AUROC (runs that recorded one); else the last.
    ck = torch.load(run_dir / ('best.pt' if (run_dir / 'best.pt').exists() else 'model.pt'))
    model = DilatedAE(ch, tuple(cfg['widths']))
    model.load_state_dict(ck['state'])
    model.eval()
    shape = (ch, size, size)
    x, _ = prep(cfg['data'], size, ch, cfg.get('limit'))
    ho = np.load(run_dir / 'holdout_idx.npy')
    good_ho = x[ho]

    fp32 = run_dir / f'{name}-fp32.onnx'
    int8 = run_dir / f'{name}-int8.onnx'
    results_extra = {'run': run_dir.name, 'shipped_as': name}
    export_fp32(model, shape, fp32)
    # Calibration images: held-out goods first, then training goods, ~calib_images in all.
    rest = np.setdiff1d(np.arange(len(x)), ho)
    rng = np.random.default_rng(cfg['seed'])
    n_cal = min(cfg.get('calib_images', 200), len(x))
    cal_idx = np.concatenate([ho, rng.permutation(rest)])[:n_cal]
    ranges = activation_ranges(fp32, to_input(x[cal_idx]))
    qstats = quantize_qdq(fp32, ranges, (0.0, 1.0), int8)
    ops = fused_ops(int8)
    ms = {'fp32': bench_ms(fp32, shape), 'int8': bench_ms(int8, shape)}
    log(f'int8: {qstats}, optimized graph ops {ops}, single-thread ms/inference {ms}')

    # Score-rule selection set: held-out goods vs labelled defects (if given) else synthetic ones.
    if cfg.get('defects'):
        sel_def, _ = prep(cfg['defects'], size, ch)
        sel_kind = f"labelled defects {'/'.join(Path(cfg['defects']).parts[-3:])} ({len(sel_def)})"
    else:
        # Crack-like: thin, darker-than-surface marks (what a crack in concrete looks like);
        # real defect images of this line are never used for a choice.
        kinds = ('crack', 'scratch')
        sel_def = synthetic_defects(good_ho, cfg['seed'], kinds)
        sel_kind = f'synthetic dark {"/".join(kinds)} marks on held-out goods ({len(sel_def)})'
    xg, xd = to_input(good_ho), to_input(sel_def)
    rec = {}
    for variant, path in (('fp32', fp32), ('int8', int8)):
        rec[variant] = (ort_run(path, xg), ort_run(path, xd))
    sel_table = {}
    sg_all = scores_all(xg, rec['fp32'][0], CANDIDATES)
    sd_all = scores_all(xd, rec['fp32'][1], CANDIDATES)
    for r, sg, sd in zip(CANDIDATES, sg_all, sd_all):
        sel_table[rule_key(r)] = M.auroc(sg, sd)
    best = max(CANDIDATES, key=lambda r: sel_table[rule_key(r)])
    log(f'score rule selection on {sel_kind}: ' + ', '.join(f'{k}={v:.3f}' for k, v in sorted(sel_table.items(), key=lambda kv: -kv[1])))
    log(f'chosen rule: {best}')
    for w in data_warnings(len(x), len(good_ho)):
        log(f'WARNING: {w}')

    cards, results = {}, {'selection_set': sel_kind, 'rule_auroc_on_selection_set': sel_table, 'rule': best,
                          'quantization': {'quant': qstats, 'optimized_ops': ops, 'ms_per_inference_1thread': ms}}
    for variant, path in (('fp32', fp32), ('int8', int8)):
        sg = scores_all(xg, rec[variant][0], [best])[0]
        sd = scores_all(xd, rec[variant][1], [best])[0]
        # k per variant: each card's threshold is calibrated on the scores of the model it ships with.
        if True:
            if cfg['k_mad'] == 'auto':
                k, ktable = M.choose_k(sg, sd)
                k_note = f'k chosen by max balanced accuracy on held-out good vs {sel_kind}'
            else:
                k, ktable, k_note = float(cfg['k_mad']), None, 'k fixed on the command line'
            log(f'{variant}: threshold margin k = {k} ({k_note})')
        thr, thr_rule = M.good_only_threshold(sg, k)
        thr_rule += f'; {k_note}'
        f1t = M.f1_optimal_threshold(sg, sd) if cfg.get('defects') else None
        calib = {'held_out_good': {'n': int(len(sg)), 'min': float(sg.min()), 'q01': float(np.quantile(sg, 0.01)),
                                   'q05': float(np.quantile(sg, 0.05)), 'median': float(np.median(sg)),
                                   'mad': float(np.median(np.abs(sg - np.median(sg)))), 'max': float(sg.max())},
                 'selection_set': sel_kind, 'selection_auroc': M.auroc(sg, sd),
                 'selection_at_good_only': M.classify(sg, sd, thr),
                 'activation_calibration_images': int(n_cal), 'k_mad': k, 'k_note': k_note,
                 'balanced_accuracy_by_k': ktable, 'warnings': data_warnings(len(x), len(sg))}
        if f1t is not None:
            calib['selection_at_f1_optimal'] = M.classify(sg, sd, f1t)
        res = {'calibration': calib, 'threshold_good_only': thr, 'threshold_f1_optimal': f1t}
        from .report import histogram
        histogram(sg, sd, thr, f1t, run_dir / f'hist_selection_{variant}.png', f'{name} {variant}: held-out good vs {sel_kind}')
        if cfg.get('test'):
            res['test'] = evaluate_test(path, cfg, best, thr, f1t, run_dir, variant, log)
        results[variant] = res
        card = {
            'schema': 'inspectd.model-card/1', 'name': name, 'variant': variant, 'onnx_sha256': sha256(path),
            'input': {'name': 'input', 'shape': [1, *shape]}, 'output': {'name': 'output', 'shape': [1, *shape]},
            'preprocess': {'width': size, 'height': size, 'channels': ch, 'kernel': cfg.get('kernel', 'lanczos3'), 'mean': [0.0] * ch, 'std': [1.0] * ch,
                           'decoder': 'libjpeg-turbo (JPEG), sharp (other formats); exact area resize' if cfg.get('kernel') == 'area' else 'sharp'},
            'ssim': {'sigma': SIGMA, 'win': WIN, 'k1': K1, 'k2': K2, 'data_range': DATA_RANGE},
            'score': {**best, 'polarity': 'higher_is_good'},
            'thresholds': {'good_only': {'value': thr, 'rule': thr_rule},
                           'f1_optimal': ({'value': f1t, 'rule': f'max F1 on held-out good vs {sel_kind}'} if f1t is not None else None)},
            'calibration': calib,
            'metrics': res.get('test', {}),
            'training': {'data': cfg.get('data_name', Path(cfg['data']).name), 'images': int(len(x)), 'split': cfg['split'], 'epochs': cfg.get('epochs_run', cfg['epochs']),
                         'train_minutes': cfg.get('train_minutes'), 'loss': f"(1 - SSIM) + {cfg['l1']} * L1", 'widths': cfg['widths'],
                         'params': cfg.get('params'), 'macs': cfg.get('macs'), 'seed': cfg['seed'], 'foreign_patches': Path(cfg['foreign']).name if cfg.get('foreign') else None,
                         'command': short_paths(cfg.get('command')), 'quantization': 'static QDQ: int8 per-channel symmetric weights, uint8 activations (min/max over calibration goods), int32 bias',
                         'ms_per_inference_1thread_onnxruntime_node': ms[variant], 'optimized_ops': ops if variant == 'int8' else None},
        }
        cards[variant] = card
    for variant, path in (('fp32', fp32), ('int8', int8)):
        dst = out / path.name
        if dst.resolve() != path.resolve():  # --out may be the run folder itself
            shutil.copyfile(path, dst)
        cards[variant]['onnx_sha256'] = sha256(dst)
        (out / f'{name}-{variant}.card.json').write_text(json.dumps(cards[variant], indent=1) + '\n')
        (run_dir / f'{name}-{variant}.card.json').write_text(json.dumps(cards[variant], indent=1) + '\n')
    results.update(results_extra)
    (run_dir / 'metrics.json').write_text(json.dumps(results, indent=1))
    log(f'wrote {out}/{name}-{{fp32,int8}}.onnx + cards; metrics in {run_dir / "metrics.json"}')
    return results


def evaluate_test(path, cfg, rule, thr, f1t, run_dir, variant, log):
    """Report-only figures on the test split (never used for any choice)."""
    from .report import histogram
    size, ch = cfg['size'], cfg['channels']
    g, d, keep = load_test(cfg['test'], size, ch, cfg.get('exclude'))
    xg, xd = to_input(g), to_input(d)
    sg = scores_all(xg, ort_run(path, xg), [rule])[0]
    sd = scores_all(xd, ort_run(path, xd), [rule])[0]
    res = {'good_only': M.full_metrics(sg, sd, thr)}
    if f1t is not None:
        res['f1_optimal'] = M.full_metrics(sg, sd, f1t)
    if not keep.all():
        res['good_only_without_leaked'] = M.full_metrics(sg[keep], sd, thr)
        if f1t is not None:
            res['f1_optimal_without_leaked'] = M.full_metrics(sg[keep], sd, f1t)
    histogram(sg, sd, thr, f1t, run_dir / f'hist_test_{variant}.png', f"{cfg['name']} {variant}: test good vs defect")
    gm = res['good_only']
    log(f"test {variant}: AUROC {gm['auroc']:.4f} acc {gm['accuracy']:.4f} P {gm['precision']:.3f} R {gm['recall']:.3f} F1 {gm['f1']:.3f} {gm['confusion']}"
        + (f" | without leaked: acc {res['good_only_without_leaked']['accuracy']:.4f} AUROC {res['good_only_without_leaked']['auroc']:.4f}" if 'good_only_without_leaked' in res else ''))
    return res


def eval_model(model_path: str, test_dir: str, exclude=None) -> dict:
    """`eval` subcommand: score a test folder with an exported .onnx and its card."""
    model_path = Path(model_path)
    card = json.loads(Path(str(model_path).replace('.onnx', '.card.json')).read_text())
    p = card['preprocess']
    g, d, keep = load_test(test_dir, p['width'], p['channels'], exclude)
    rule = {k: v for k, v in card['score'].items() if k != 'polarity'}
    xg, xd = to_input(g), to_input(d)
    sg = scores_all(xg, ort_run(model_path, xg), [rule])[0]
    sd = scores_all(xd, ort_run(model_path, xd), [rule])[0]
    res = {'rule': rule, 'good_only': M.full_metrics(sg, sd, card['thresholds']['good_only']['value'])}
    if card['thresholds'].get('f1_optimal'):
        res['f1_optimal'] = M.full_metrics(sg, sd, card['thresholds']['f1_optimal']['value'])
    if not keep.all():
        res['good_only_without_leaked'] = M.full_metrics(sg[keep], sd, card['thresholds']['good_only']['value'])
    return res
