"""SSIM and the score rules of src/model/card.ts, in torch (loss) and numpy (scores).

The definition is skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1): scipy's Gaussian (truncate 3.5 -> 11 taps) with
'reflect' borders (half-sample symmetric, d c b a | a b c d), the map averaged over channels and
the mean taken over the map cropped by (win-1)/2 px. The daemon re-implements exactly this in
TypeScript, so keep both in step (tests/test_ssim.py checks against skimage).
"""
import numpy as np
import torch
import torch.nn.functional as F

SIGMA, WIN, K1, K2, DATA_RANGE = 1.5, 11, 0.01, 0.03, 1.0
PAD = (WIN - 1) // 2


def gaussian_taps(sigma: float = SIGMA, win: int = WIN) -> torch.Tensor:
    r = (win - 1) // 2
    x = torch.arange(-r, r + 1, dtype=torch.float64)
    g = torch.exp(-0.5 * (x / sigma) ** 2)
    return (g / g.sum()).float()


def _sym_pad(x: torch.Tensor, p: int) -> torch.Tensor:
    """scipy 'reflect' padding on H and W (edge pixel repeated), which torch's 'reflect' is not."""
    x = torch.cat([x[..., :, :p].flip(-1), x, x[..., :, -p:].flip(-1)], dim=-1)
    return torch.cat([x[..., :p, :].flip(-2), x, x[..., -p:, :].flip(-2)], dim=-2)


def _blur(x: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
    # Separable: two 1-D passes are ~10x cheaper than one 11x11 conv.
    n, c, h, w = x.shape
    p = taps.numel() // 2
    x = _sym_pad(x, p).reshape(n * c, 1, h + 2 * p, w + 2 * p)
    x = F.conv2d(x, taps.view(1, 1, 1, -1).to(x))
    x = F.conv2d(x, taps.view(1, 1, -1, 1).to(x))
    return x.reshape(n, c, h, w)


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM (N,H,W) averaged over channels, full size (not cropped). x, y in [0,1], NCHW."""
    taps = gaussian_taps().to(x.device)
    c1, c2 = (K1 * DATA_RANGE) ** 2, (K2 * DATA_RANGE) ** 2
    ux, uy = _blur(x, taps), _blur(y, taps)
    uxx, uyy, uxy = _blur(x * x, taps), _blur(y * y, taps), _blur(x * y, taps)
    vx, vy, vxy = uxx - ux * ux, uyy - uy * uy, uxy - ux * uy
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return s.mean(dim=1)


def crop(m):
    return m[..., PAD:-PAD, PAD:-PAD]


def _box_valid(a: np.ndarray, k: int) -> np.ndarray:
    """Box mean of k x k, stride 1, 'valid' over the last two axes (integral image)."""
    s = np.cumsum(np.cumsum(np.pad(a, [(0, 0)] * (a.ndim - 2) + [(1, 0), (1, 0)]), axis=-1), axis=-2)
    return (s[..., k:, k:] - s[..., :-k, k:] - s[..., k:, :-k] + s[..., :-k, :-k]) / (k * k)


def score_from_maps(smap: np.ndarray, x: np.ndarray, y: np.ndarray, rule: dict, anomaly: np.ndarray | None = None) -> np.ndarray:
    """Scores (higher = more like a good part) for a batch.

    smap: (N,H,W) full SSIM map; x: model input in [0,1] (N,C,H,W); y: reconstruction (N,C,H,W).
    Rules exactly as in src/model/card.ts. residual_pool pools the full (uncropped) residual map.
    """
    name = rule['rule']
    n = smap.shape[0]
    if name == 'ssim_mean':
        return crop(smap).reshape(n, -1).mean(1)
    if name == 'ssim_pool_min':
        return _box_valid(crop(smap).astype(np.float64), rule['pool']).reshape(n, -1).min(1)
    if name == 'ssim_quantile':
        return np.quantile(crop(smap).reshape(n, -1), rule['q'], axis=1)
    if name == 'residual_pool':
        d = y.astype(np.float64) - x.astype(np.float64)
        sign = rule['sign']
        r = np.maximum(d, 0) if sign == 'dark' else np.maximum(-d, 0) if sign == 'bright' else np.abs(d)
        return 1.0 - _box_valid(r.mean(1), rule['pool']).reshape(n, -1).max(1)
    if name == 'anomaly_max':
        if anomaly is None:
            raise ValueError('rule anomaly_max needs the anomaly map')
        a = anomaly.reshape(n, anomaly.shape[-2], anomaly.shape[-1]).astype(np.float64)
        return 1.0 - _box_valid(a, rule['pool']).reshape(n, -1).max(1)
    if name == 'combo':
        # Logistic of the mean robust z (part - median) / scale over the parts, as src/score/rules.ts.
        z = [(score_from_maps(smap, x, y, p, anomaly) - p['median']) / p['scale'] for p in rule['parts']]
        return 1.0 / (1.0 + np.exp(-np.mean(z, axis=0)))  # bounded like every score; 0.5 = typical good
    raise ValueError(f'unknown score rule {name}')
