"""Classification metrics and threshold rules. Scores: higher = more like a good part;
an image is called defective when score < threshold. Positive class = defect."""
import numpy as np

MAD_TO_SIGMA = 1.4826


def auroc(good: np.ndarray, defect: np.ndarray) -> float:
    """P(defect score < good score), ties counted half (Mann-Whitney U)."""
    s = np.concatenate([good, defect])
    order = np.argsort(s, kind='mergesort')
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks for ties
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / cnt)[inv]
    r_good = ranks[: len(good)].sum()
    u = r_good - len(good) * (len(good) + 1) / 2
    return float(u / (len(good) * len(defect)))


def classify(good: np.ndarray, defect: np.ndarray, thr: float) -> dict:
    tp = int((defect < thr).sum())
    fn = int(len(defect) - tp)
    fp = int((good < thr).sum())
    tn = int(len(good) - fp)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {'threshold': float(thr), 'accuracy': (tp + tn) / max(1, tp + tn + fp + fn), 'precision': prec, 'recall': rec, 'f1': f1,
            'confusion': {'tp': tp, 'fn': fn, 'fp': fp, 'tn': tn}}


def balanced_accuracy(good, defect, thr) -> float:
    c = classify(good, defect, thr)['confusion']
    return 0.5 * (c['tp'] / max(1, c['tp'] + c['fn']) + c['tn'] / max(1, c['tn'] + c['fp']))


def choose_k(good: np.ndarray, defect: np.ndarray, ks=None) -> tuple[float, dict]:
    """The k of median - k*MAD that maximises balanced accuracy (class-ratio free) on a
    selection set. Only the rule's margin is learnt from defects; the threshold value itself
    always comes from the good histogram, so a new line can re-calibrate on goods alone."""
    ks = np.round(np.arange(0.0, 6.01, 0.25), 2) if ks is None else ks
    table = {}
    for k in ks:
        t, _ = good_only_threshold(good, float(k))
        table[float(k)] = balanced_accuracy(good, defect, t)
    best = max(table, key=lambda k: (table[k], k))  # ties: the larger margin (fewer false rejects)
    return best, table


def full_metrics(good: np.ndarray, defect: np.ndarray, thr: float) -> dict:
    return {'n_good': int(len(good)), 'n_defect': int(len(defect)), 'auroc': auroc(good, defect), **classify(good, defect, thr)}


def good_only_threshold(good: np.ndarray, k: float) -> tuple[float, str]:
    """median - k * 1.4826 * MAD of held-out good scores: robust to the few odd goods that a
    low quantile of ~100-140 images would chase, and it does not saturate the way max-margin does."""
    med = float(np.median(good))
    mad = float(np.median(np.abs(good - med)))
    return med - k * MAD_TO_SIGMA * mad, f'median - {k:g}*1.4826*MAD of {len(good)} held-out good scores (near-duplicate-aware split)'


def f1_optimal_threshold(good: np.ndarray, defect: np.ndarray) -> float:
    """Threshold maximising F1 (defect = positive), midway between neighbouring scores."""
    s = np.unique(np.concatenate([good, defect]))
    cands = np.concatenate([[s[0] - 1e-6], (s[1:] + s[:-1]) / 2, [s[-1] + 1e-6]])
    best, bt = -1.0, float(cands[0])
    for t in cands:
        f = classify(good, defect, t)['f1']
        if f > best:
            best, bt = f, float(t)
    return bt
