"""Synthetic anomalies for denoising training (the study's cut-and-paste library, procedural).

Each call pastes 0-2 objects on a clean image: (a) defect-like marks drawn procedurally
(scratch, crack, hole, blob, edge debris) or (b) a foreign patch cut from another image pool
(the other dataset, procedural texture), flipped / rotated / resized. The model learns to map
the corrupted image back to the clean one, so at inspection time a real defect is "repaired"
in the reconstruction and shows up in the SSIM / residual map. Fully determined by the rng.
"""
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

KINDS = ('scratch', 'crack', 'hole', 'blob', 'edge', 'foreign')


def _mask(size, draw_fn, blur):
    im = Image.new('L', (size, size), 0)
    draw_fn(ImageDraw.Draw(im))
    if blur > 0:
        im = im.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(im, dtype=np.float32) / 255.0


def _polygon(rng, cx, cy, r, n=None):
    n = n or int(rng.integers(5, 11))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * rng.uniform(0.5, 1.0, n)
    return [(float(cx + a * np.cos(t)), float(cy + a * np.sin(t))) for a, t in zip(rad, ang)]


def _shade(rng, img, a, shade=None):
    """Fill colour for a mark: darker or brighter than the surface, sometimes textured."""
    c = img.shape[2]
    if shade == 'dark' or (shade is None and rng.random() < 0.6):
        fill = img * rng.uniform(0.05, 0.5)  # darker (cracks, holes, pits)
    else:
        fill = np.clip(img + rng.uniform(0.25, 0.7), 0, 1)  # brighter (burrs, scratches in light)
    if rng.random() < 0.5:
        fill = np.clip(fill + rng.normal(0, rng.uniform(0.02, 0.12), img.shape[:2] + (1,)), 0, 1)
    if c == 3 and rng.random() < 0.3:
        fill = np.clip(fill * rng.uniform(0.6, 1.3, 3), 0, 1)
    return fill.astype(np.float32)


def _mark(rng, img, kind, shade=None):
    s = img.shape[0]
    k = s / 128.0
    if kind == 'scratch':
        pts = [tuple(rng.uniform(0, s, 2))]
        for _ in range(int(rng.integers(1, 4))):
            ang, ln = rng.uniform(0, 2 * np.pi), rng.uniform(10, 50) * k
            pts.append((pts[-1][0] + ln * np.cos(ang), pts[-1][1] + ln * np.sin(ang)))
        w = max(1, int(rng.integers(1, 4) * k))
        a = _mask(s, lambda d: d.line([tuple(map(float, p)) for p in pts], fill=255, width=w, joint='curve'), 0.4 * k)
    elif kind == 'crack':
        def draw(d):
            stack = [(rng.uniform(0, s), rng.uniform(0, s), rng.uniform(0, 2 * np.pi), int(rng.integers(15, 45)))]
            while stack:
                x, y, ang, steps = stack.pop()
                for _ in range(steps):
                    ang += rng.normal(0, 0.35)
                    nx, ny = x + 2 * k * np.cos(ang), y + 2 * k * np.sin(ang)
                    d.line([(float(x), float(y)), (float(nx), float(ny))], fill=255, width=max(1, int(rng.integers(1, 3) * k)))
                    x, y = nx, ny
                    if rng.random() < 0.04 and len(stack) < 3:
                        stack.append((x, y, ang + rng.choice([-1, 1]) * rng.uniform(0.4, 1.2), int(steps * 0.5)))
        a = _mask(s, draw, 0.3 * k)
    elif kind == 'hole':
        cx, cy, r = rng.uniform(8, s - 8), rng.uniform(8, s - 8), rng.uniform(2, 10) * k
        e = rng.uniform(0.6, 1.0)
        a = _mask(s, lambda d: d.ellipse([cx - r, cy - r * e, cx + r, cy + r * e], fill=255), 0.8 * k)
    elif kind == 'blob':
        cx, cy, r = rng.uniform(0, s), rng.uniform(0, s), rng.uniform(4, 18) * k
        a = _mask(s, lambda d: d.polygon(_polygon(rng, cx, cy, r), fill=255), rng.uniform(0.5, 2.0) * k)
    else:  # edge debris: jagged fragment hanging over an image edge or a strong intensity edge
        g = img.mean(2)
        gy, gx = np.gradient(g)
        mag = np.hypot(gx, gy).ravel()
        if mag.max() > 0.05 and rng.random() < 0.7:
            idx = rng.choice(mag.size, p=mag / mag.sum())
            cy, cx = divmod(int(idx), s)
        else:
            side = int(rng.integers(4))
            t = rng.uniform(0, s)
            cx, cy = [(t, 0), (t, s - 1), (0, t), (s - 1, t)][side]
        r = rng.uniform(4, 14) * k
        a = _mask(s, lambda d: d.polygon(_polygon(rng, cx, cy, r, int(rng.integers(8, 16))), fill=255), 0.3 * k)
    return a, _shade(rng, img, a, shade)


def _texture(rng, size, c):
    """Procedural foreign texture: smoothed noise with stripes or speckle."""
    n = rng.normal(0.5, 0.25, (size // 4 + 1, size // 4 + 1, c)).clip(0, 1)
    t = np.asarray(Image.fromarray((n * 255).astype(np.uint8).squeeze()).resize((size, size), Image.BICUBIC), dtype=np.float32) / 255
    t = t.reshape(size, size, -1)[..., :c]
    if rng.random() < 0.5:
        yy = np.arange(size)[:, None, None]
        t = np.clip(t + 0.3 * np.sin(yy * rng.uniform(0.3, 1.5)), 0, 1)
    return t.astype(np.float32)


def _foreign(rng, img, pool):
    s, c = img.shape[0], img.shape[2]
    ps = int(rng.uniform(10, 40) * s / 128)
    if pool is not None and len(pool) and rng.random() < 0.75:
        src = pool[int(rng.integers(len(pool)))]
        sz = int(rng.integers(ps, max(ps + 1, min(src.shape[0], src.shape[1]))))
        y0, x0 = int(rng.integers(0, src.shape[0] - sz + 1)), int(rng.integers(0, src.shape[1] - sz + 1))
        p = Image.fromarray(src[y0:y0 + sz, x0:x0 + sz].squeeze()).resize((ps, ps), Image.BILINEAR)
        p = np.asarray(p, dtype=np.float32).reshape(ps, ps, -1) / 255
        p = p.mean(2, keepdims=True) if c == 1 else (np.repeat(p, 3, 2) if p.shape[2] == 1 else p)
    else:
        p = _texture(rng, ps, c)
    p = np.rot90(p, int(rng.integers(4)))
    if rng.random() < 0.5:
        p = p[:, ::-1]
    p = np.clip(p * rng.uniform(0.6, 1.4) + rng.uniform(-0.2, 0.2), 0, 1)
    fill = np.zeros_like(img)
    y0, x0 = int(rng.integers(0, s - ps + 1)), int(rng.integers(0, s - ps + 1))
    fill[y0:y0 + ps, x0:x0 + ps] = p
    cx, cy = x0 + ps / 2, y0 + ps / 2
    a = _mask(s, lambda d: d.polygon(_polygon(rng, cx, cy, ps / 2, int(rng.integers(6, 12))), fill=255), 0.5)
    return a, fill


def corrupt(img: np.ndarray, rng: np.random.Generator, pool=None, max_objects: int = 2, kinds=KINDS, shade=None):
    """img: (H,W,C) float32 in [0,1]. Returns (corrupted image, alpha mask (H,W)).
    shade='dark' forces darker-than-surface marks (crack-like selection sets)."""
    out = img.copy()
    total = np.zeros(img.shape[:2], np.float32)
    n = int(rng.choice(max_objects + 1, p=[0.2, 0.5, 0.3][: max_objects + 1] if max_objects == 2 else None))
    for _ in range(n):
        kind = kinds[int(rng.integers(len(kinds)))]
        a, fill = _foreign(rng, out, pool) if kind == 'foreign' else _mark(rng, out, kind, shade)
        a = a[..., None] * rng.uniform(0.6, 1.0)
        out = out * (1 - a) + fill * a
        total = np.maximum(total, a[..., 0])
    return out.astype(np.float32), total
