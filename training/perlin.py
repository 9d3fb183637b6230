"""DRAEM-style anomalies: Perlin-noise masks filled with foreign texture, and defect shapes
drawn after the real ones of each dataset (casting: blow holes, pinhole clusters, rough patches,
rim chips; cracks: thin dark branching lines). The discriminative head learns to segment them.

Everything is determined by the rng, so a batch is the same after a resume.
"""
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .synth import _mark, _texture, corrupt


def _fade(t):
    return t * t * t * (t * (t * 6 - 15) + 10)


def perlin(shape, res, rng) -> np.ndarray:
    """2-D gradient noise in about [-1, 1]; `res` grid cells per axis (shape divisible by res)."""
    h, w = shape
    ry, rx = res
    ang = rng.uniform(0, 2 * np.pi, (ry + 1, rx + 1))
    g = np.stack([np.cos(ang), np.sin(ang)], -1)
    ys, xs = np.linspace(0, ry, h, endpoint=False), np.linspace(0, rx, w, endpoint=False)
    yi, xi = ys.astype(int), xs.astype(int)
    yf, xf = (ys - yi)[:, None], (xs - xi)[None, :]

    def dot(dy, dx):
        gg = g[(yi + dy)[:, None], (xi + dx)[None, :]]
        return gg[..., 0] * (yf - dy) + gg[..., 1] * (xf - dx)

    u, v = _fade(xf), _fade(yf)
    n0 = dot(0, 0) * (1 - u) + dot(0, 1) * u
    n1 = dot(1, 0) * (1 - u) + dot(1, 1) * u
    return (np.sqrt(2) * (n0 * (1 - v) + n1 * v)).astype(np.float32)


def perlin_mask(size: int, rng, min_frac=0.002, max_frac=0.15, max_log2_res=3) -> np.ndarray:
    """Binary blob mask from thresholded Perlin noise; retried until its area is in range."""
    for _ in range(20):
        res = int(2 ** rng.integers(1, max_log2_res + 1))
        while size % res:
            res //= 2
        n = perlin((size, size), (res, res), rng)
        n = np.rot90(n, int(rng.integers(4)))
        thr = rng.uniform(0.35, 0.7)
        m = (n > thr).astype(np.float32)
        if min_frac <= m.mean() <= max_frac:
            return m
    return m


def _foreign_fill(rng, img, pool):
    s, c = img.shape[0], img.shape[2]
    if pool is not None and len(pool) and rng.random() < 0.7:
        src = pool[int(rng.integers(len(pool)))].astype(np.float32) / 255
        t = np.asarray(Image.fromarray((src * 255).astype(np.uint8).squeeze()).resize((s, s), Image.BILINEAR), np.float32) / 255
        t = t.reshape(s, s, -1)
        t = t.mean(2, keepdims=True) if c == 1 else (np.repeat(t, 3, 2) if t.shape[2] == 1 else t)
        t = np.rot90(t, int(rng.integers(4)))
    else:
        t = _texture(rng, s, c)
    # DRAEM shifts brightness/contrast of the texture so the head cannot key on one intensity.
    return np.clip((t - t.mean()) * rng.uniform(0.5, 2.0) + img.mean() + rng.uniform(-0.35, 0.35), 0, 1).astype(np.float32)


def _blow_holes(rng, s, img):
    """Casting porosity: a few round dark pits with a faint bright rim, 1-6 px across at 128."""
    k = s / 128.0
    im = Image.new('L', (s, s), 0)
    d = ImageDraw.Draw(im)
    cx, cy = rng.uniform(0.15 * s, 0.85 * s, 2)
    for _ in range(int(rng.integers(1, 8))):
        x, y = cx + rng.normal(0, 8 * k), cy + rng.normal(0, 8 * k)
        r = rng.uniform(0.6, 3.0) * k
        d.ellipse([x - r, y - r, x + r, y + r], fill=255)
    a = np.asarray(im.filter(ImageFilter.GaussianBlur(0.4 * k)), np.float32) / 255
    fill = img * rng.uniform(0.05, 0.45)
    return a, fill.astype(np.float32)


def _rough(rng, s, img):
    """Rough / sand-inclusion patch: a Perlin blob whose inside carries high-frequency grain."""
    m = perlin_mask(s, rng, 0.003, 0.06, 2)
    grain = perlin((s, s), (s // 4, s // 4), rng)[..., None]
    fill = np.clip(img * rng.uniform(0.6, 1.0) + grain * rng.uniform(0.1, 0.35), 0, 1)
    return np.asarray(Image.fromarray((m * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5)), np.float32) / 255, fill.astype(np.float32)


def _rim_chip(rng, s, img):
    """Chip or burr on the outer rim: a notch where the strongest edges are."""
    return _mark(rng, img, 'edge')


def foreground(img: np.ndarray) -> np.ndarray:
    """Where the part is: textured pixels (local std), dilated. Castings sit on a smooth
    background and real defects are on the part; on a surface (cracks) this is everything."""
    from .ssim import _box_valid
    g = img.mean(2).astype(np.float64)
    k = 7
    p = np.pad(g, k // 2, mode='edge')
    m = _box_valid(p[None], k)[0]
    v = _box_valid(p[None] ** 2, k)[0] - m * m
    fg = (np.sqrt(np.maximum(v, 0)) > 0.04).astype(np.float64)
    q = np.pad(fg, 6, mode='constant')
    return (_box_valid(q[None], 13)[0] > 0).astype(np.float32)


def _rim(img):
    """Centre and radius of the part's outer rim: the radius (about the intensity centroid of the
    textured region) where the mean radial gradient is strongest in the outer half."""
    g = img.mean(2).astype(np.float64)
    s = g.shape[0]
    gy, gx = np.gradient(g)
    fg = foreground(img)
    w = fg.sum()
    cy, cx = ((np.arange(s)[:, None] * fg).sum() / w, (np.arange(s)[None, :] * fg).sum() / w) if w > 0 else (s / 2, s / 2)
    yy, xx = np.mgrid[0:s, 0:s]
    rr = np.hypot(yy - cy, xx - cx)
    radial = np.abs((gx * (xx - cx) + gy * (yy - cy)) / np.maximum(rr, 1e-6))
    ri = rr.astype(int)
    prof = np.bincount(ri.ravel(), radial.ravel(), minlength=s) / np.maximum(np.bincount(ri.ravel(), minlength=s), 1)
    lo, hi = int(0.3 * s), int(0.55 * s)
    return cx, cy, lo + int(np.argmax(prof[lo:hi])), rr, np.arctan2(yy - cy, xx - cx)


def _rim_flash(rng, s, img):
    """Casting flash / rough rim: a jagged band just outside (or bitten into) the outer rim over
    part of its circumference, the most common defect in the casting set."""
    cx, cy, R, rr, th = _rim(img)
    k = s / 128.0
    t0, span = rng.uniform(-np.pi, np.pi), rng.uniform(0.3, 2.5)
    d = np.mod(th - t0, 2 * np.pi)
    inside = d < span
    # Jagged width along the arc: a smoothed random walk, 0.5..5 px at 128.
    n = 64
    walk = np.abs(np.cumsum(rng.normal(0, 1.0, n))) * k * rng.uniform(0.4, 1.2) + rng.uniform(0.5, 2.0) * k
    width = np.interp(d / max(span, 1e-6) * (n - 1), np.arange(n), walk)
    if rng.random() < 0.7:  # flash outside the rim
        a = inside & (rr >= R - 0.5) & (rr <= R + width)
        fill = np.full_like(img, float(np.median(img[rr < R])) * rng.uniform(0.35, 0.8))
    else:  # chipped rim: background bites in
        a = inside & (rr <= R + 0.5) & (rr >= R - width)
        fill = np.full_like(img, float(np.median(img[rr > R + 3])) if (rr > R + 3).any() else float(img.mean()))
    fill = np.clip(fill + rng.normal(0, 0.04, img.shape), 0, 1).astype(np.float32)
    m = np.asarray(Image.fromarray((a * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.4 * k)), np.float32) / 255
    return m, fill


SHAPES = {'holes': _blow_holes, 'rough': _rough, 'rim': _rim_chip, 'flash': _rim_flash}


def anomaly(img: np.ndarray, rng, pool=None, shapes=('holes', 'rough', 'rim'), p_none=0.3, marks=None):
    """img (H,W,C) float32 [0,1] -> (anomalous image, target mask (H,W) in {0,1}).
    A third of the anomalies are Perlin + foreign texture (DRAEM), the rest dataset-shaped
    defects or the AE's mark library (`marks`: kinds of synth.corrupt)."""
    s = img.shape[0]
    if rng.random() < p_none:
        return img.copy(), np.zeros((s, s), np.float32)
    r = rng.random()
    if r < 0.35:
        m = perlin_mask(s, rng)[..., None]
        beta = rng.uniform(0.15, 1.0)
        fill = _foreign_fill(rng, img, pool)
        out = img * (1 - m) + (1 - beta) * img * m + beta * fill * m
        mask = m[..., 0]
    elif shapes and (r < 0.75 or not marks):
        a, fill = SHAPES[shapes[int(rng.integers(len(shapes)))]](rng, s, img)
        a3 = a[..., None] * rng.uniform(0.7, 1.0)
        out = img * (1 - a3) + fill * a3
        mask = a
    elif marks:
        out, mask = corrupt(img, rng, pool, 2, marks)
    else:
        return img.copy(), np.zeros((s, s), np.float32)
    mask = (mask > 0.25).astype(np.float32)
    if rng.random() < 0.85:  # mostly on the part; a few on the background keep it honest too
        fg = foreground(img)
        out = img * (1 - fg[..., None]) + out * fg[..., None]
        mask = mask * fg
    if mask.sum() == 0:
        return img.copy(), mask
    return np.clip(out, 0, 1).astype(np.float32), mask
