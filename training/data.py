"""Dataset preparation through the daemon's own sharp path, caching, and the monitoring split."""
import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get('TRAIN_CACHE') or REPO / 'training' / 'cache')  # tests point it at a temp dir


# The pixel path of the daemon that the data goes through (src/preprocess/index.ts): 'area'
# (libjpeg-turbo / sharp decode + exact area resize) for new models; a model card's own kernel
# when an existing model is finalized or fine-tuned. Set once per command by the CLI.
KERNEL = 'area'


def set_kernel(kernel: str):
    global KERNEL
    KERNEL = kernel


def prep(image_dir: str, size: int, channels: int, limit: int | None = None, cache: Path = CACHE) -> tuple[np.ndarray, list[str]]:
    """uint8 (N,H,W,C) exactly as src/preprocess/index.ts produces it for KERNEL (EXIF orient)."""
    image_dir = str(Path(image_dir).resolve())
    # lanczos3 keeps the key it had before the kernel was a choice, so old caches stay valid.
    kk = '' if KERNEL == 'lanczos3' else f'|{KERNEL}'
    key = hashlib.sha1(f'{image_dir}|{size}|{channels}|{limit}{kk}'.encode()).hexdigest()[:12]
    tag = '_'.join(Path(image_dir).parts[-3:])
    out = Path(cache) / f'{tag}_{size}_{channels}{kk.replace("|", "_")}_{key}.npy'
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        main = REPO / 'dist' / 'cli' / 'prep-dataset-main.js'
        if not main.exists():
            subprocess.run(['npx', 'tsc', '-p', '.'], cwd=REPO, check=True)
        cmd = ['node', str(main), image_dir, str(out) + '.tmp.npy', str(size), str(channels), str(limit or 0), KERNEL]
        subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        os.replace(str(out) + '.tmp.npy.names.txt', str(out) + '.names.txt')
        os.replace(str(out) + '.tmp.npy', out)
    names = Path(str(out) + '.names.txt').read_text().split()
    return np.load(out), names


def thumbs(x: np.ndarray, t: int = 32) -> np.ndarray:
    """Mean-centred, unit-norm 32x32 grey thumbnails (N,t,t) for near-duplicate search.
    Centring matters: plain cosine of non-negative images of one part type is ~0.99 for almost
    every pair and single-link chains all of casting/train/good into one cluster."""
    n, h, w, _ = x.shape
    g = x.astype(np.float32).mean(3)
    g = g[:, : h // t * t, : w // t * t].reshape(n, t, h // t, t, w // t).mean((2, 4)).reshape(n, -1)
    g = g - g.mean(1, keepdims=True)
    return (g / np.linalg.norm(g, axis=1, keepdims=True).clip(1e-6)).reshape(n, t, t)


def _dihedral(v):
    """The 8 flips/quarter-turns: the dataset's augmented copies include such transforms."""
    out = []
    for k in range(4):
        r = np.rot90(v, k, axes=(1, 2))
        out += [r, r[:, :, ::-1]]
    return [o.reshape(len(v), -1) for o in out]


def near_dup_clusters(x: np.ndarray, thr: float = 0.99) -> np.ndarray:
    """Cluster ids: images joined (single link) when thumbnail cosine similarity >= thr."""
    t = thumbs(x)
    n = len(t)
    v, variants = t.reshape(n, -1), _dihedral(t)
    parent = np.arange(n)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for s in range(0, n, 512):
        sim = np.max([v[s:s + 512] @ d.T for d in variants], axis=0)
        for i, j in zip(*np.nonzero(sim >= thr)):
            a, b = find(s + i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return np.array([find(i) for i in range(n)])


def split_holdout(x: np.ndarray, frac: float, seed: int, thr: float = 0.99) -> tuple[np.ndarray, np.ndarray, dict]:
    """95/5-style split that keeps whole near-duplicate clusters on one side, so held-out goods
    are not near-copies of training goods (that made the earlier threshold calibrate badly)."""
    cl = near_dup_clusters(x, thr)
    ids, sizes = np.unique(cl, return_counts=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ids))
    want = int(round(frac * len(x)))
    hold, got = [], 0
    for k in order:
        if got >= want:
            break
        if sizes[k] > max(1, want // 4):  # a giant cluster would eat the whole holdout
            continue
        hold.append(ids[k])
        got += sizes[k]
    mask = np.isin(cl, hold)
    info = {'clusters': int(len(ids)), 'largest_cluster': int(sizes.max()), 'similarity_threshold': thr,
            'holdout': int(mask.sum()), 'train': int((~mask).sum())}
    return np.nonzero(~mask)[0], np.nonzero(mask)[0], info


def split_by_names(names: list[str], holdout_file: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """The split of an earlier run, by file name: a model moved to new pixels (whose clustering
    differs) keeps the held-out goods it was never trained on."""
    hold = set(Path(holdout_file).read_text().split())
    mask = np.array([n in hold for n in names])
    missing = len(hold - set(names))
    if missing:
        raise SystemExit(f'{holdout_file}: {missing} held-out names are not in the data folder')
    return np.nonzero(~mask)[0], np.nonzero(mask)[0], {'holdout': int(mask.sum()), 'train': int((~mask).sum()), 'from': Path(holdout_file).name}


def make_split(x, names, frac, seed, holdout_file=None):
    return split_by_names(names, holdout_file) if holdout_file else split_holdout(x, frac, seed)
