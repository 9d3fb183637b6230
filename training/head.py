"""The discriminative stage (DRAEM, Zavrtanik et al. ICCV 2021): a small U-Net that takes the
frame, its reconstruction by the autoencoder and their absolute difference, and outputs an
anomaly-mask logit per pixel. The autoencoder says "this is what a good part looks like here";
the head learns which differences matter, so texture that reconstructs badly (pores in
concrete, casting grain) stops looking like a defect.

Export-friendly for int8: plain Conv+ReLU, stride-2 convs down, nearest Upsample + Conv up,
skip connections by Concat; no BatchNorm, no ConvTranspose.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import DilatedAE


def _c(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU(inplace=True))


class SegHead(nn.Module):
    def __init__(self, channels: int = 1, widths=(16, 32, 48, 64)):
        super().__init__()
        a, b, c, d = widths
        self.e0 = _c(3 * channels, a)           # full resolution
        self.e1 = _c(a, b, 2)                   # 1/2
        self.e2 = nn.Sequential(_c(b, c, 2), _c(c, c))   # 1/4
        self.e3 = nn.Sequential(_c(c, d, 2), _c(d, d))   # 1/8
        self.d2 = _c(d + c, c)
        self.d1 = _c(c + b, b)
        self.d0 = _c(b + a, a)
        self.out = nn.Conv2d(a, 1, 3, padding=1)

    def forward(self, x, r):
        h0 = self.e0(torch.cat([x, r, (x - r).abs()], 1))
        h1 = self.e1(h0)
        h2 = self.e2(h1)
        h3 = self.e3(h2)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode='nearest')
        g2 = self.d2(torch.cat([up(h3), h2], 1))
        g1 = self.d1(torch.cat([up(g2), h1], 1))
        g0 = self.d0(torch.cat([up(g1), h0], 1))
        return self.out(g0)


class TwoStage(nn.Module):
    """input -> (reconstruction, anomaly probability map): the graph that ships as one ONNX."""

    def __init__(self, ae: DilatedAE, head: SegHead):
        super().__init__()
        self.ae, self.head = ae, head

    def forward(self, x):
        r = self.ae(x)
        return r, torch.sigmoid(self.head(x, r))


def focal_loss(logits, target, gamma: float = 2.0, alpha: float = 0.75):
    """Binary focal loss (Lin et al.) on per-pixel logits; defects are a few % of pixels, so the
    easy background must not drown them. alpha weighs the anomalous pixels."""
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
    pt = p * target + (1 - p) * (1 - target)
    w = alpha * target + (1 - alpha) * (1 - target)
    return (w * (1 - pt) ** gamma * ce).mean() * 10


def mask_score(prob: torch.Tensor, pool: int) -> torch.Tensor:
    """Image anomaly score: max of the k x k box-smoothed probability map (N,1,H,W) -> (N,).
    Smoothing keeps one hot pixel from deciding; DRAEM does the same with a larger window."""
    if pool > 1:
        prob = F.avg_pool2d(prob, pool, stride=1)
    return prob.flatten(1).max(1).values
