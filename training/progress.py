"""What a person watching a training run reads: epoch n of N and when it will be done, and whether
there are enough goods to calibrate a threshold from."""

# A good-only threshold is median - k*1.4826*MAD of held-out good scores: below ~50 of them the
# median and MAD (and so the false-reject rate at the line) move a lot from one split to another.
MIN_GOODS = 200
MIN_HELD_OUT_GOODS = 50


def epoch_line(done: float, total: int, elapsed_s: float) -> str:
    """`epoch 3/40: 1.2 min so far, ETA 14.8 min` (ETA from the mean epoch time so far)."""
    per = elapsed_s / max(done, 1e-9)
    eta = per * max(0.0, total - done)
    return f'epoch {done:g}/{total}: {elapsed_s / 60:.1f} min so far, ETA {eta / 60:.1f} min'


def data_warnings(n_goods: int, n_held_out: int) -> list:
    """Warnings for a card's calibration and the training log; empty when the data is enough."""
    out = []
    if n_goods < MIN_GOODS:
        out.append(f'only {n_goods} good images (< {MIN_GOODS}): the model and its threshold may not generalise; calibrate on the line with inspectd calibrate')
    if n_held_out < MIN_HELD_OUT_GOODS:
        out.append(f'only {n_held_out} held-out good images (< {MIN_HELD_OUT_GOODS}) to calibrate the threshold: the expected false-reject rate is uncertain; calibrate on the line with inspectd calibrate')
    return out
