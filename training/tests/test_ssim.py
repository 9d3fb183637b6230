import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from training.ssim import PAD, score_from_maps, ssim_map


def _pair(seed, c, h=40, w=37):
    rng = np.random.default_rng(seed)
    x = rng.random((c, h, w)).astype(np.float64)
    # smooth-ish image + noisy reconstruction: SSIM values spread over the range
    y = np.clip(0.7 * x + 0.3 * rng.random((c, h, w)), 0, 1)
    return x, y


@pytest.mark.parametrize('seed,c', [(0, 1), (1, 1), (2, 3), (3, 3)])
def test_ssim_matches_skimage(seed, c):
    x, y = _pair(seed, c)
    sm = ssim_map(torch.from_numpy(x[None]), torch.from_numpy(y[None]))[0].numpy()
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0, full=True)
    if c == 1:
        ref, full = structural_similarity(x[0], y[0], **kw)
    else:
        ref, full = structural_similarity(x.transpose(1, 2, 0), y.transpose(1, 2, 0), channel_axis=2, **kw)
        full = full.mean(2)
    assert np.abs(sm - full).max() < 1e-5
    assert abs(sm[PAD:-PAD, PAD:-PAD].mean() - ref) < 1e-5
    assert abs(score_from_maps(sm[None], x[None], y[None], {'rule': 'ssim_mean'})[0] - ref) < 1e-5


def test_ssim_float32_close_to_skimage():
    x, y = _pair(5, 1, 128, 128)
    sm = ssim_map(torch.from_numpy(x[None]).float(), torch.from_numpy(y[None]).float())[0].numpy()
    ref = structural_similarity(x[0], y[0], gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
    assert abs(sm[PAD:-PAD, PAD:-PAD].mean() - ref) < 1e-5


def test_score_rules_by_hand():
    rng = np.random.default_rng(0)
    smap = rng.random((1, 30, 30))
    inner = smap[0, PAD:-PAD, PAD:-PAD]
    pooled = np.array([[inner[i:i + 4, j:j + 4].mean() for j in range(inner.shape[1] - 3)] for i in range(inner.shape[0] - 3)])
    x = rng.random((1, 2, 30, 30))
    y = rng.random((1, 2, 30, 30))
    assert np.isclose(score_from_maps(smap, x, y, {'rule': 'ssim_pool_min', 'pool': 4})[0], pooled.min())
    assert np.isclose(score_from_maps(smap, x, y, {'rule': 'ssim_quantile', 'q': 0.01})[0], np.quantile(inner, 0.01))
    for sign, f in (('dark', lambda d: np.maximum(d, 0)), ('bright', lambda d: np.maximum(-d, 0)), ('abs', np.abs)):
        r = f(y[0] - x[0]).mean(0)
        box = np.array([[r[i:i + 5, j:j + 5].mean() for j in range(26)] for i in range(26)])
        got = score_from_maps(smap, x, y, {'rule': 'residual_pool', 'sign': sign, 'pool': 5})[0]
        assert np.isclose(got, 1 - box.max())


def test_dark_residual_sees_a_dark_line_only():
    x = np.full((1, 1, 32, 32), 0.6)
    y = x.copy()
    x[0, 0, 16, 4:28] = 0.1  # a dark crack the reconstruction "repaired"
    smap = np.ones((1, 32, 32))
    dark = score_from_maps(smap, x, y, {'rule': 'residual_pool', 'sign': 'dark', 'pool': 4})[0]
    bright = score_from_maps(smap, x, y, {'rule': 'residual_pool', 'sign': 'bright', 'pool': 4})[0]
    assert dark < 0.95 and bright == 1.0


def test_score_rules_match_the_daemon_golden_values():
    """training/ssim.py and src/score/rules.ts are both checked against the same numpy golden
    values (test/fixtures/score/golden.json), the two-stage anomaly_max and combo rules too."""
    import json
    from pathlib import Path
    doc = json.loads((Path(__file__).resolve().parents[2] / 'test/fixtures/score/golden.json').read_text())
    seen = set()
    for g in doc['ssim']:
        c, h, w = g['channels'], g['height'], g['width']
        x = np.array(g['x']).reshape(1, c, h, w)
        y = np.array(g['y']).reshape(1, c, h, w)
        smap = np.array(g['map']).reshape(1, h, w)
        an = np.array(g['anomaly']).reshape(1, 1, h, w)
        if g['pad'] != 5:
            continue  # training/ssim.py crops the 11-tap pad only
        for r in g['rules']:
            v = score_from_maps(smap, x, y, r['rule'], an)[0]
            assert abs(v - r['value']) < 1e-9, (g['name'], r['rule'])
            seen.add(r['rule']['rule'])
    assert {'anomaly_max', 'combo', 'residual_pool', 'ssim_mean'} <= seen
