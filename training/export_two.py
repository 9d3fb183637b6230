"""Export of the two-stage model as one ONNX graph: input -> (reconstruction, anomaly map).

fp32 from torch, then the same static QDQ as the AE alone (training/quant.py), with activation
ranges measured in onnxruntime-node over good images. Both parts quantize: every Conv becomes a
QLinearConv, the Concat skip connections read and write uint8.
"""
from pathlib import Path

import numpy as np
import onnx
import torch

from .head import TwoStage
from .quant import activation_ranges, fused_ops, ort_run_all, quantize_qdq

OUTPUTS = ('reconstruction', 'anomaly')


def export_two_stage(ae, head, shape, path: Path):
    m = TwoStage(ae, head).eval()
    torch.onnx.export(m, torch.zeros(1, *shape), str(path), opset_version=13, input_names=['input'],
                      output_names=list(OUTPUTS), do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(path)))


def export_both(ae, head, shape, calib: np.ndarray, fp32: Path, int8: Path, float_decoder: bool = False) -> dict:
    """Writes fp32 and int8 graphs; returns quantization stats and the fp32-vs-torch check.
    float_decoder: the AE's decoder convolutions and both pre-sigmoid logits stay float (mixed
    precision). On the area-pixel casting AE, int8 there cost 0.013 selection AUROC (the
    reconstruction, hence the residual, moves in coarse steps); float there costs ~0.1 ms."""
    export_two_stage(ae, head, shape, fp32)
    with torch.no_grad():
        t = TwoStage(ae, head).eval()(torch.from_numpy(calib[:8]))
    o = ort_run_all(fp32, calib[:8])
    err = max(float(np.abs(o[k] - t[k].numpy()).max()) for k in range(2))
    if err > 1e-4:
        raise RuntimeError(f'{fp32}: onnxruntime and torch disagree by {err}')
    ranges = activation_ranges(fp32, calib)
    keep = tuple(n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == 'Conv' and n.name.startswith('/ae/dec/')) if float_decoder else ()
    stats = quantize_qdq(fp32, ranges, (0.0, 1.0), int8, quant_logits=not float_decoder, keep_float=keep)
    return {'quant': stats, 'optimized_ops': fused_ops(int8), 'fp32_vs_torch_max_abs': err}
