"""The training loop: denoising on synthetic anomalies with an SSIM (+L1) loss."""
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from .model import DilatedAE, count_macs
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


def fit(run_dir: Path, train_u8: np.ndarray, val_u8: np.ndarray, pool, cfg: dict, log=print) -> DilatedAE:
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
        history.append(rec)
        log(json.dumps(rec))
        torch.save({'state': model.state_dict(), 'cfg': cfg}, run_dir / 'model.pt')
        epoch += 1
        # Wall-clock budget: re-plan every epoch from the mean epoch time (the CPU is shared,
        # so epoch times drift); only ever shortens the cosine schedule.
        if budget < 1e9:
            per = (time.time() - t0) / 60 / epoch
            fit_epochs = max(epoch, int(budget / per))
            if fit_epochs < epochs:
                log(f'time budget {budget} min at {per:.2f} min/epoch: {fit_epochs} epochs instead of {epochs}')
                epochs = fit_epochs
    cfg['epochs_run'] = epochs
    cfg['train_minutes'] = round((time.time() - t0) / 60, 2)
    (run_dir / 'history.json').write_text(json.dumps(history, indent=1))
    torch.save({'state': model.state_dict(), 'cfg': cfg}, run_dir / 'model.pt')
    return model
