import numpy as np

from training.metrics import auroc, classify, f1_optimal_threshold, good_only_threshold


def test_auroc_perfect_inverted_and_ties():
    assert auroc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert auroc(np.array([0.1, 0.2]), np.array([0.9, 0.8])) == 0.0
    assert auroc(np.array([0.5, 0.5]), np.array([0.5])) == 0.5


def test_classify_counts_defect_below_threshold():
    m = classify(np.array([0.9, 0.8, 0.4]), np.array([0.3, 0.85]), 0.5)
    assert m['confusion'] == {'tp': 1, 'fn': 1, 'fp': 1, 'tn': 2}
    assert np.isclose(m['accuracy'], 3 / 5) and np.isclose(m['precision'], 0.5) and np.isclose(m['recall'], 0.5)


def test_good_only_threshold_is_median_minus_k_mad():
    g = np.array([0.90, 0.91, 0.92, 0.93, 0.94, 0.10])  # one outlier must not drag it down
    t, rule = good_only_threshold(g, 3.0)
    med = np.median(g)
    mad = np.median(np.abs(g - med))
    assert np.isclose(t, med - 3 * 1.4826 * mad) and 'MAD' in rule
    assert 0.8 < t < 0.9  # far above the 0.10 outlier


def test_f1_optimal_separates_separable_sets():
    g, d = np.array([0.8, 0.9, 0.95]), np.array([0.2, 0.3, 0.5])
    t = f1_optimal_threshold(g, d)
    assert classify(g, d, t)['f1'] == 1.0 and 0.5 < t < 0.8
