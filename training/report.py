"""Run records: score histograms, the debug grid, and the cross-run comparison table."""
import json
from pathlib import Path

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def histogram(good, defect, thr, f1t, path: Path, title: str):
    fig, ax = plt.subplots(figsize=(7, 4))
    lo, hi = float(min(good.min(), defect.min())), float(max(good.max(), defect.max()))
    bins = np.linspace(lo, hi, 60)
    ax.hist(good, bins, alpha=0.6, label=f'good ({len(good)})', color='tab:green', density=True)
    ax.hist(defect, bins, alpha=0.6, label=f'defect ({len(defect)})', color='tab:red', density=True)
    ax.axvline(thr, color='k', ls='--', label=f'good-only threshold {thr:.4f}')
    if f1t is not None:
        ax.axvline(f1t, color='tab:blue', ls=':', label=f'F1-optimal {f1t:.4f}')
    ax.set_xlabel('score (higher = more like good)')
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def debug_grid(run_dir: Path, data_dir: str, out: str, n: int = 8, seed: int = 0):
    """Rows: original / synthetic (what the model sees in training) / reconstruction / SSIM map."""
    import torch
    from PIL import Image
    from .data import prep
    from .model import DilatedAE
    from .ssim import ssim_map
    from .synth import corrupt
    ck = torch.load(run_dir / 'model.pt')
    cfg = ck['cfg']
    model = DilatedAE(cfg['channels'], tuple(cfg['widths']))
    model.load_state_dict(ck['state'])
    model.eval()
    x, _ = prep(data_dir, cfg['size'], cfg['channels'], limit=n)
    rows = [[], [], [], []]
    for i, img in enumerate(x[:n]):
        clean = img.astype(np.float32) / 255
        cor, _ = corrupt(clean, np.random.default_rng([seed, i]))
        t = torch.from_numpy(cor.transpose(2, 0, 1)[None].copy())
        with torch.no_grad():
            y = model(t)
            sm = ssim_map(t, y)[0].numpy()
        rgb = lambda a: np.repeat(a, 3, 2) if a.shape[2] == 1 else a
        rows[0].append(rgb(clean))
        rows[1].append(rgb(cor))
        rows[2].append(rgb(y[0].numpy().transpose(1, 2, 0)))
        rows[3].append(plt.get_cmap('inferno')(np.clip(sm, 0, 1))[..., :3])
    grid = np.concatenate([np.concatenate(r, 1) for r in rows], 0)
    Image.fromarray((np.clip(grid, 0, 1) * 255).astype(np.uint8)).save(out)


def compare(runs: Path) -> str:
    head = f"{'run':<22} {'ch':>2} {'size':>4} {'ep':>3} {'rule':<26} {'var':<4} {'AUROC':>6} {'acc':>6} {'F1':>6} {'acc-leak':>8} {'ms':>5}"
    lines = [head, '-' * len(head)]
    for d in sorted(p for p in runs.iterdir() if (p / 'metrics.json').exists()):
        cfg = json.loads((d / 'config.json').read_text())
        m = json.loads((d / 'metrics.json').read_text())
        r = m['rule']
        rule = r['rule'] + ''.join(f' {k}={r[k]}' for k in ('sign', 'pool', 'q') if k in r)
        for v in ('fp32', 'int8'):
            t = m.get(v, {}).get('test', {})
            g = t.get('good_only', {})
            wl = t.get('good_only_without_leaked', {})
            ms = m['quantization']['ms_per_inference_1thread'][v]
            f = lambda z, k: f"{z[k]:.4f}" if k in z else '-'
            lines.append(f"{d.name:<22} {cfg['channels']:>2} {cfg['size']:>4} {cfg.get('epochs_run', cfg['epochs']):>3} {rule:<26} {v:<4} "
                         f"{f(g, 'auroc'):>6} {f(g, 'accuracy'):>6} {f(g, 'f1'):>6} {f(wl, 'accuracy'):>8} {ms:>5.2f}")
    return '\n'.join(lines)
