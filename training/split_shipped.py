"""Take a shipped two-stage graph apart: its AE as an fp32 ONNX with a card (the `--ae` input of
`head`), and its head weights as `best.pt` (the `--init-head` of a continued run).
    python3 -m training.split_shipped TWO_STAGE_FP32.onnx AE_CARD.json OUT_AE.onnx HEAD_RUN_DIR
The AE card's preprocessing, shapes and training summary come from the two-stage card (the AE
inside may have been fine-tuned at another size or pixel path than the AE card says)."""
import json
import sys
from pathlib import Path

import onnx
import torch
from onnx import numpy_helper

from .head import SegHead
from .model import DilatedAE
from .quant import export_fp32


def shipped_weights(two: Path):
    """(card, AE state dict, head state dict) of a shipped two-stage fp32 graph (export keeps the torch names)."""
    card = json.loads(two.with_name(two.name.replace('.onnx', '.card.json')).read_text())
    w = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(str(two)).graph.initializer}
    return card, {k[3:]: v for k, v in w.items() if k.startswith('ae.')}, {k[5:]: v for k, v in w.items() if k.startswith('head.')}


def split(two: Path, ae_card: Path, out: Path, head_dir: Path):
    tcard, ae_w, head_w = shipped_weights(two)
    ch, size = tcard['preprocess']['channels'], tcard['preprocess']['width']
    ae = DilatedAE(ch, tuple(tcard['training']['widths']))
    ae.load_state_dict(ae_w)
    head = SegHead(ch, tuple(tcard['training']['head']['widths']))
    head.load_state_dict(head_w)
    head_dir.mkdir(parents=True, exist_ok=True)
    torch.save({'head': head.state_dict()}, head_dir / 'best.pt')
    out.parent.mkdir(parents=True, exist_ok=True)
    export_fp32(ae, (ch, size, size), out)
    card = json.loads(ae_card.read_text())
    card['preprocess'] = dict(tcard['preprocess'])
    card['input'] = {'name': 'input', 'shape': [1, ch, size, size]}
    card['output'] = {'name': 'output', 'shape': [1, ch, size, size]}
    card['training'] = {k: v for k, v in tcard['training'].items() if k != 'head'}
    out.with_name(out.name.replace('.onnx', '.card.json')).write_text(json.dumps(card, indent=1) + '\n')


if __name__ == '__main__':
    split(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
