import numpy as np

from training.data import near_dup_clusters, split_holdout


def _images(n=60, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (n, 32, 32, 1)).astype(np.uint8)
    return base


def test_flipped_and_noisy_copies_share_a_cluster():
    x = _images(20)
    copies = np.concatenate([x, x[:, :, ::-1], np.rot90(x, 1, axes=(1, 2)), np.clip(x.astype(int) + 2, 0, 255).astype(np.uint8)])
    cl = near_dup_clusters(copies)
    for i in range(20):
        assert cl[i] == cl[20 + i] == cl[40 + i] == cl[60 + i]
    assert len(np.unique(cl)) == 20


def test_holdout_never_splits_a_cluster():
    x = _images(40, 1)
    data = np.concatenate([x, x[:, ::-1]])  # every image has a flipped twin
    tr, ho, info = split_holdout(data, 0.1, seed=3)
    assert len(ho) > 0 and len(tr) + len(ho) == len(data)
    held = set(ho.tolist())
    for i in range(40):
        assert (i in held) == (i + 40 in held)
    assert info['holdout'] == len(ho)
