"""The training loop: denoising on synthetic anomalies with an SSIM (+L1) loss."""
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from .model import DilatedAE, count_macs
from .progress import epoch_line
from .ssim import ssim_map
from .synth import KINDS, corrupt


def make_batch(x_u8: np.ndarray, idx: np.ndarray, seed: int, epoch: int, pool, augment: bool = True, kinds=KINDS):
    """(corrupted, clean) float tensors NCHW for the given indices; deterministic per (seed, epoch, index)."""
    xs, ys = [], []
    for i in idx:
        rng = np.random.default_rng([seed, epoch, int(i)])
        img = x_u8[i].astype(np.float32) / 255.0
        if augment:
            if rng.random() < 0.5:
                img = img[:, ::-1]
            if rng.random() < 0.5:
                img = img[::-1]
        img = np.ascontiguousarray(img)
        cor, _ = corrupt(img, rng, pool, 2, kinds)
        xs.append(cor.transpose(2, 0, 1))
        ys.append(img.transpose(2, 0, 1))
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def loss_fn(y, target, l1: float):
    return (1 - ssim_map(y, target).mean()) + l1 * (y - target).abs().mean()


SELECT_RULES = ({'rule': 'residual_pool', 'sign': 'abs', 'pool': 2}, {'rule': 'residual_pool', 'sign': 'dark', 'pool': 6},
                {'rule': 'ssim_pool_min', 'pool': 8})


def selection_auroc(model, good_u8, defect_u8) -> dict:
    """Selection-set AUROC of a few score rules for the current weights (picks best.pt)."""
    from . import metrics as M
    from .ssim import score_from_maps
    out = {}
    with torch.no_grad():
        sc = []
        for x_u8 in (good_u8, defect_u8):
            x = torch.from_numpy(np.ascontiguousarray(x_u8.transpose(0, 3, 1, 2), dtype=np.float32) / 255)
            y = torch.cat([model(x[i:i + 64]) for i in range(0, len(x), 64)])
            sm = ssim_map(x.double(), y.double()).numpy()
            sc.append([score_from_maps(sm, x.numpy(), y.numpy(), r) for r in SELECT_RULES])
    for k, r in enumerate(SELECT_RULES):
        out[r['rule'] + f"_{r.get('sign', '')}{r['pool']}"] = round(M.auroc(sc[0][k], sc[1][k]), 4)
    return out


def _save(path: Path, obj):
    torch.save(obj, str(path) + '.tmp')
    Path(str(path) + '.tmp').replace(path)


def fit(run_dir: Path, train_u8: np.ndarray, val_u8: np.ndarray, pool, cfg: dict, log=print, sel_defect=None, resume=False) -> DilatedAE:
    """Checkpoint (ckpt.pt: weights, optimiser, epoch, history) after every epoch; `resume`
    continues from it. With a selection set (held-out goods vs `sel_defect`), best.pt keeps the
    epoch with the best selection AUROC and progress.json says how far the run got."""
    torch.manual_seed(cfg['seed'])
    c = train_u8.shape[3]
    model = DilatedAE(c, tuple(cfg['widths']))
    if cfg.get('init'):  # fine-tune from an earlier run's weights
        model.load_state_dict(torch.load(Path(cfg['init']) / 'model.pt')['state'])
        log(f"initialised from {cfg['init']}")
    kinds = tuple(cfg.get('kinds') or KINDS)
    cfg['macs'] = count_macs(model, (c, cfg['size'], cfg['size']))
    cfg['params'] = sum(p.numel() for p in model.parameters())
    log(f"model: {cfg['params']} params, {cfg['macs'] / 1e6:.1f} M MACs per {cfg['size']}x{cfg['size']} image")
    opt = torch.optim.Adam(model.parameters(), lr=cfg['lr'])
    bs, epochs, budget = cfg['batch'], cfg['epochs'], cfg.get('time_budget_min') or 1e9
    vx, vy = make_batch(val_u8, np.arange(len(val_u8)), cfg['seed'] + 1, 0, pool, augment=False, kinds=kinds)
    t0 = time.time()
    history = []
    epoch = 0
    best = -1.0
    spent = 0.0
    ck = run_dir / 'ckpt.pt'
    if ck.exists():
        if not resume:
            raise SystemExit(f'{ck} exists: pass --resume to continue that run, or choose another --name')
        st = torch.load(ck)
        model.load_state_dict(st['state'])
        opt.load_state_dict(st['opt'])
        epoch, history, best, spent = st['epoch'], st['history'], st['best'], st.get('seconds', 0.0)
        epochs = st.get('epochs', epochs)
        log(f'resumed at epoch {epoch + 1} of {epochs}')
    t0 -= spent
    while epoch < epochs:
        model.train()
        te = time.time()
        perm = np.random.default_rng([cfg['seed'], epoch, 99]).permutation(len(train_u8))
        tot = 0.0
        for b in range(0, len(perm) - bs + 1 if len(perm) >= bs else 1, bs):
            lr = cfg['lr'] * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, (epoch + b / len(perm)) / epochs))))
            for g in opt.param_groups:
                g['lr'] = lr
            xb, yb = make_batch(train_u8, perm[b:b + bs], cfg['seed'], epoch, pool, kinds=kinds)
            loss = loss_fn(model(xb), yb, cfg['l1'])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            vl_cor = float(np.mean([loss_fn(model(vx[i:i + 64]), vy[i:i + 64], cfg['l1']).item() for i in range(0, len(vx), 64)]))
            vl_clean = float(np.mean([loss_fn(model(vy[i:i + 64]), vy[i:i + 64], cfg['l1']).item() for i in range(0, len(vy), 64)]))
        dt = time.time() - te
        rec = {'epoch': epoch + 1, 'train_loss': tot / max(1, len(perm)), 'val_loss_corrupted': vl_cor, 'val_loss_clean': vl_clean, 'lr': lr, 'sec': round(dt, 1)}
        if sel_defect is not None:
            rec['selection'] = selection_auroc(model, val_u8, sel_defect)
        history.append(rec)
        log(json.dumps(rec))
        log(epoch_line(epoch + 1, epochs, time.time() - t0))
        torch.save({'state': model.state_dict(), 'cfg': cfg}, run_dir / 'model.pt')
        epoch += 1
        if sel_defect is not None and max(rec['selection'].values()) > best:
            best = max(rec['selection'].values())
            _save(run_dir / 'best.pt', {'state': model.state_dict(), 'cfg': cfg, 'epoch': epoch, 'selection': rec['selection']})
            log(f'best selection AUROC {best:.4f} at epoch {epoch}')
        _save(ck, {'state': model.state_dict(), 'opt': opt.state_dict(), 'epoch': epoch, 'epochs': epochs, 'history': history,
                   'best': best, 'seconds': time.time() - t0})
        (run_dir / 'progress.json').write_text(json.dumps({'epoch': epoch, 'epochs': epochs, 'image_iterations': epoch * len(train_u8),
                                                           'last': rec, 'best_selection': best, 'train_minutes': round((time.time() - t0) / 60, 1),
                                                           'eta_minutes': round((time.time() - t0) / 60 / epoch * (epochs - epoch), 1)}, indent=1))
        # Wall-clock budget: re-plan every epoch from the mean epoch time (the CPU is shared,
        # so epoch times drift); only ever shortens the cosine schedule.
        if budget < 1e9:
            per = (time.time() - t0) / 60 / epoch
            fit_epochs = max(epoch, int(budget / per))
            if fit_epochs < epochs:
                log(f'time budget {budget} min at {per:.2f} min/epoch: {fit_epochs} epochs instead of {epochs}')
                epochs = fit_epochs
    cfg['epochs_run'] = epochs
    cfg['image_iterations'] = epochs * len(train_u8)
    cfg['train_minutes'] = round((time.time() - t0) / 60, 2)
    (run_dir / 'history.json').write_text(json.dumps(history, indent=1))
    torch.save({'state': model.state_dict(), 'cfg': cfg}, run_dir / 'model.pt')
    return model
