"""Training loop of the discriminative stage on a frozen (or jointly fine-tuned) autoencoder.

Resumable: `ckpt.pt` in the run folder holds weights, optimiser, epoch and batch position and is
written every `ckpt_min` minutes and at each epoch end; batches are a pure function of
(seed, epoch, index), so a resumed run sees exactly the batches the stopped one would have.
`progress.json` tells how far it got (epoch, loss, selection AUROC, ETA); `best.pt` is the
checkpoint with the best selection AUROC, not the last: the head keeps learning the synthetic
anomalies after it has stopped getting better at real ones.
"""
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from . import metrics as M
from .head import SegHead, focal_loss, mask_score
from .model import DilatedAE, count_macs
from .progress import epoch_line
from .perlin import anomaly
from .ssim import score_from_maps

HEAD_POOLS = (1, 4, 8, 16)


def ae_from_onnx(path: Path, channels: int, widths) -> DilatedAE:
    """The shipped fp32 ONNX holds the AE's weights under the torch names (export keeps them)."""
    import onnx
    from onnx import numpy_helper
    ae = DilatedAE(channels, tuple(widths))
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(str(path)).graph.initializer}
    ae.load_state_dict(init)
    return ae


def make_batch(x_u8, idx, seed, epoch, pool, shapes, marks):
    xs, ms = [], []
    for i in idx:
        rng = np.random.default_rng([seed, epoch, int(i), 5])
        img = x_u8[i].astype(np.float32) / 255
        if rng.random() < 0.5:
            img = img[:, ::-1]
        if rng.random() < 0.5:
            img = img[::-1]
        a, m = anomaly(np.ascontiguousarray(img), rng, pool, shapes, marks=marks)
        xs.append(a.transpose(2, 0, 1))
        ms.append(m[None])
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ms))


@torch.no_grad()
def signals(ae, head, x: np.ndarray, rule: dict) -> dict:
    """Per image: head scores (1 - smoothed max prob, so higher = good) and the residual rule."""
    out = {f'head_max_p{p}': [] for p in HEAD_POOLS}
    out['head_mean'], out['residual'] = [], []
    for i in range(0, len(x), 64):
        xb = torch.from_numpy(x[i:i + 64])
        r = ae(xb)
        prob = torch.sigmoid(head(xb, r))
        for p in HEAD_POOLS:
            out[f'head_max_p{p}'].append(1 - mask_score(prob, p).numpy())
        out['head_mean'].append(1 - prob.flatten(1).mean(1).numpy())
        xb_np = x[i:i + 64]
        # The card's own residual rule (training/ssim.py), which needs no SSIM map.
        out['residual'].append(score_from_maps(np.zeros((len(xb_np),) + xb_np.shape[2:]), xb_np, r.numpy(), rule))
    return {k: np.concatenate(v).astype(np.float64) for k, v in out.items()}


def robust_z(v, ref):
    med = np.median(ref)
    mad = np.median(np.abs(ref - med)) * M.MAD_TO_SIGMA
    return (v - med) / max(mad, 1e-9)


def selection_table(sg: dict, sd: dict) -> dict:
    """AUROC of each signal and of the mean robust z of each head score with the residual rule
    (statistics from the held-out goods themselves: no defect label enters the combination)."""
    t = {k: M.auroc(sg[k], sd[k]) for k in sg}
    for p in HEAD_POOLS:
        k = f'head_max_p{p}'
        zg = (robust_z(sg[k], sg[k]) + robust_z(sg['residual'], sg['residual'])) / 2
        zd = (robust_z(sd[k], sg[k]) + robust_z(sd['residual'], sg['residual'])) / 2
        t[f'combo_p{p}'] = M.auroc(zg, zd)
    return t


def fit_head(run_dir: Path, ae: DilatedAE, train_u8, sel_good, sel_defect, pool, cfg: dict, log=print):
    torch.manual_seed(cfg['seed'])
    c = train_u8.shape[3]
    head = SegHead(c, tuple(cfg['head_widths']))
    if cfg.get('init_head'):
        head.load_state_dict(torch.load(cfg['init_head'])['head'])
        log(f"head initialised from {cfg['init_head']}")
    joint = cfg.get('joint_lr', 0) > 0
    params = [{'params': head.parameters(), 'lr': cfg['lr']}]
    if joint:
        params.append({'params': ae.parameters(), 'lr': cfg['joint_lr']})
    for p in ae.parameters():
        p.requires_grad_(joint)
    opt = torch.optim.Adam(params)
    ck_path, best_path = run_dir / 'ckpt.pt', run_dir / 'best.pt'
    state = {'epoch': 0, 'batch': 0, 'history': [], 'best': -1.0, 'iters': 0, 'seconds': 0.0}
    if ck_path.exists():
        ck = torch.load(ck_path)
        head.load_state_dict(ck['head'])
        ae.load_state_dict(ck['ae'])
        opt.load_state_dict(ck['opt'])
        state = ck['state']
        log(f"resumed at epoch {state['epoch'] + 1} batch {state['batch']} ({state['iters']} image-iterations so far)")
    cfg['head_macs'] = count_macs(_Wrap(head), (c, cfg['size'], cfg['size']))
    cfg['head_params'] = sum(p.numel() for p in head.parameters())
    log(f"head: {cfg['head_params']} params, {cfg['head_macs'] / 1e6:.1f} M MACs; joint AE fine-tuning: {joint}")
    xg, xd = _f32(sel_good), _f32(sel_defect)
    bs, epochs = cfg['batch'], cfg['epochs']
    nb = max(1, len(train_u8) // bs)
    shapes, marks = tuple(cfg['shapes']), tuple(cfg['marks']) if cfg.get('marks') else None

    def save(path):
        torch.save({'head': head.state_dict(), 'ae': ae.state_dict(), 'opt': opt.state_dict(), 'state': state, 'cfg': cfg}, str(path) + '.tmp')
        Path(str(path) + '.tmp').replace(path)

    t_last = time.time()
    while state['epoch'] < epochs:
        ep = state['epoch']
        perm = np.random.default_rng([cfg['seed'], ep, 99]).permutation(len(train_u8))
        head.train()
        ae.train(joint)
        tl, te = [], time.time()
        for b in range(state['batch'], nb):
            lr_f = 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * (ep + b / nb) / epochs))
            for g, base in zip(opt.param_groups, [cfg['lr'], cfg.get('joint_lr', 0)]):
                g['lr'] = base * lr_f
            xb, mb = make_batch(train_u8, perm[b * bs:(b + 1) * bs], cfg['seed'], ep, pool, shapes, marks)
            with torch.set_grad_enabled(joint):
                r = ae(xb)
            loss = focal_loss(head(xb, r if joint else r.detach()), mb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tl.append(loss.item())
            state['batch'], state['iters'] = b + 1, state['iters'] + len(xb)
            if time.time() - t_last > cfg['ckpt_min'] * 60:
                state['seconds'] += time.time() - t_last
                t_last = time.time()
                save(ck_path)
                _progress(run_dir, state, cfg, np.mean(tl[-50:]), None)
        head.eval()
        ae.eval()
        sg, sd = signals(ae, head, xg, cfg['rule']), signals(ae, head, xd, cfg['rule'])
        table = selection_table(sg, sd)
        key = cfg['select_by']
        rec = {'epoch': ep + 1, 'loss': float(np.mean(tl)) if tl else None, 'iters': state['iters'],
               'epoch_sec': round(time.time() - te, 1), 'selection': {k: round(v, 4) for k, v in table.items()}}
        state['history'].append(rec)
        state['epoch'], state['batch'] = ep + 1, 0
        state['seconds'] += time.time() - t_last
        t_last = time.time()
        log(json.dumps(rec))
        log(epoch_line(ep + 1, cfg['epochs'], state['seconds']))
        if table[key] > state['best']:
            state['best'] = table[key]
            save(best_path)
            log(f"best {key} {table[key]:.4f} at epoch {ep + 1}")
        save(ck_path)
        _progress(run_dir, state, cfg, rec['loss'], table)
    return head


def _progress(run_dir, state, cfg, loss, table):
    done = state['epoch'] + state['batch'] / max(1, cfg['n_batches'])
    per = state['seconds'] / max(done, 1e-6)
    (run_dir / 'progress.json').write_text(json.dumps({
        'epoch': state['epoch'], 'batch': state['batch'], 'epochs': cfg['epochs'], 'image_iterations': state['iters'],
        'recent_loss': loss, 'best_selection': state['best'], 'select_by': cfg['select_by'], 'last_selection': table,
        'train_minutes': round(state['seconds'] / 60, 1), 'eta_minutes': round(per * (cfg['epochs'] - done) / 60, 1)}, indent=1))


class _Wrap(torch.nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, x):
        return self.head(x, x)


def _f32(x_u8):
    return np.ascontiguousarray(x_u8.transpose(0, 3, 1, 2), dtype=np.float32) / 255.0
