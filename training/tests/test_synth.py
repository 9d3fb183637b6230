import numpy as np

from training.synth import KINDS, corrupt


def _img(c):
    rng = np.random.default_rng(42)
    return rng.random((64, 64, c)).astype(np.float32) * 0.5 + 0.25


def test_same_seed_same_anomalies():
    pool = (np.random.default_rng(1).random((3, 50, 50, 3)) * 255).astype(np.uint8)
    for c in (1, 3):
        a, ma = corrupt(_img(c), np.random.default_rng([7, 3]), pool)
        b, mb = corrupt(_img(c), np.random.default_rng([7, 3]), pool)
        assert np.array_equal(a, b) and np.array_equal(ma, mb)


def test_different_seeds_differ_and_mask_marks_changes():
    changed = 0
    for s in range(20):
        img = _img(1)
        out, m = corrupt(img, np.random.default_rng(s))
        assert out.shape == img.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 1
        diff = np.abs(out - img)[..., 0]
        assert np.all(diff[m == 0] == 0)  # nothing changes outside the pasted objects
        changed += int(m.max() > 0)
    assert 10 <= changed < 20  # up to 2 objects, sometimes none


def test_every_kind_draws_something():
    for k in KINDS:
        hits = 0
        for s in range(5):
            _, m = corrupt(_img(3), np.random.default_rng(s), None, 2, (k,))
            hits += int(m.max() > 0.3)
        assert hits > 0, k
