"""The dilated convolutional denoising autoencoder.

Stride-2 convs shrink 128 -> 16 early (cheap), three dilated 3x3 convs (d = 2, 4, 8) at 1/8
resolution widen the receptive field to the whole part without more downsampling, and the
decoder is nearest Upsample + Conv, not ConvTranspose: onnxruntime fuses QDQ Conv into
QLinearConv but leaves ConvTranspose in float. No BatchNorm, so export needs no folding and
every Conv+ReLU maps 1:1 onto an int8 kernel.
"""
import torch
import torch.nn as nn


def conv(cin, cout, stride=1, dil=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dil, dilation=dil)


class DilatedAE(nn.Module):
    def __init__(self, channels: int = 1, widths=(16, 32, 32), dilations=(2, 4, 8)):
        super().__init__()
        a, b, c = widths
        r = nn.ReLU(inplace=True)
        self.enc = nn.Sequential(conv(channels, a, 2), r, conv(a, b, 2), nn.ReLU(inplace=True), conv(b, c, 2), nn.ReLU(inplace=True))
        self.mid = nn.Sequential(*[m for d in dilations for m in (conv(c, c, dil=d), nn.ReLU(inplace=True))])
        up = lambda: nn.Upsample(scale_factor=2, mode='nearest')
        self.dec = nn.Sequential(
            up(), conv(c, b), nn.ReLU(inplace=True),
            up(), conv(b, a), nn.ReLU(inplace=True),
            up(), conv(a, channels),
        )

    def forward(self, x):
        return torch.sigmoid(self.dec(self.mid(self.enc(x))))


def count_macs(model: nn.Module, shape) -> int:
    """Multiply-accumulates of all convs for one input of `shape` (C,H,W)."""
    macs = []

    def hook(m, i, o):
        macs.append(o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    for h in hs:
        h.remove()
    return int(sum(macs))
