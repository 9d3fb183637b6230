"""Grey → RGB start weights from a shipped grey two-stage graph, so an RGB model is measured
against the grey one with the same training behind it (a fresh RGB run from scratch would
compare a short schedule with a long chain). The AE's first convolution reads each colour at a
third of the grey weight (an RGB image of a grey surface gives the grey model's activations),
its last one writes the same reconstruction to all three; the head's first convolution reads
frame, reconstruction and residual (3 channels each) the same way.
    python3 -m training.inflate_rgb GREY_TWO_STAGE_FP32.onnx AE_RUN_DIR HEAD_RUN_DIR
writes AE_RUN_DIR/model.pt (the `--init` of `train`) and HEAD_RUN_DIR/best.pt (`--init-head`)."""
import sys
from pathlib import Path

import torch

from .head import SegHead
from .model import DilatedAE
from .split_shipped import shipped_weights


def inflate(two: Path, ae_dir: Path, head_dir: Path):
    card, ae_w, head_w = shipped_weights(two)
    if card['preprocess']['channels'] != 1:
        raise SystemExit(f'{two}: not a grey model')
    grey_w = dict(ae_w)
    ae = DilatedAE(3, tuple(card['training']['widths']))
    first, last = 'enc.0.weight', [k for k in ae_w if k.startswith('dec.') and k.endswith('.weight')][-1]
    ae_w[first] = ae_w[first].repeat(1, 3, 1, 1) / 3
    ae_w[last] = ae_w[last].repeat(3, 1, 1, 1)
    ae_w[last.replace('weight', 'bias')] = ae_w[last.replace('weight', 'bias')].repeat(3)
    ae.load_state_dict(ae_w)
    head = SegHead(3, tuple(card['training']['head']['widths']))
    e0 = head_w['e0.0.weight']  # (out, 3 = frame/reconstruction/residual, 3, 3)
    head_w['e0.0.weight'] = e0.repeat_interleave(3, dim=1) / 3
    head.load_state_dict(head_w)
    ae_dir.mkdir(parents=True, exist_ok=True)
    head_dir.mkdir(parents=True, exist_ok=True)
    torch.save({'state': ae.state_dict(), 'cfg': {'inflated_from': two.name}}, ae_dir / 'model.pt')
    torch.save({'head': head.state_dict()}, head_dir / 'best.pt')
    # Check: on a grey image the inflated models give the grey model's outputs.
    grey_ae = DilatedAE(1, tuple(card['training']['widths']))
    grey_ae.load_state_dict(grey_w)
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        r1, r3 = grey_ae(x), ae(x.repeat(1, 3, 1, 1))
    err = float((r3 - r1.repeat(1, 3, 1, 1)).abs().max())
    if err > 1e-4:
        raise SystemExit(f'inflated AE differs from the grey one by {err}')
    return err


if __name__ == '__main__':
    print('max |rgb - grey| on a grey image:', inflate(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
