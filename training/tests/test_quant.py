import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from training.model import DilatedAE
from training.quant import activation_ranges, export_fp32, fused_ops, ort_run, quantize_qdq

pytestmark = pytest.mark.skipif(shutil.which('node') is None, reason='needs node + onnxruntime-node')


def test_qdq_structure_and_fusion(tmp_path: Path):
    torch.manual_seed(0)
    m = DilatedAE(1, (4, 8, 8))
    fp = tmp_path / 'f.onnx'
    q = tmp_path / 'q.onnx'
    export_fp32(m, (1, 32, 32), fp)
    x = np.random.default_rng(0).random((4, 1, 32, 32)).astype(np.float32)
    ranges = activation_ranges(fp, x)
    stats = quantize_qdq(fp, ranges, (0.0, 1.0), q)
    g = onnx.load(str(q)).graph
    convs = [n for n in g.node if n.op_type == 'Conv']
    assert stats['conv'] == len(convs) == 9
    producers = {o: n for n in g.node for o in n.output}
    inits = {i.name: i for i in g.initializer}
    for c in convs:
        # every Conv reads DequantizeLinear outputs: activation (uint8), weight (int8 per-channel), bias (int32)
        kinds = [producers[i].op_type for i in c.input]
        assert kinds == ['DequantizeLinear'] * 3
        w_dq = producers[c.input[1]]
        assert inits[w_dq.input[0]].data_type == onnx.TensorProto.INT8
        assert any(a.name == 'axis' and a.i == 0 for a in w_dq.attribute)
        assert inits[producers[c.input[2]].input[0]].data_type == onnx.TensorProto.INT32
        a_dq = producers[c.input[0]]
        assert inits[a_dq.input[2]].data_type == onnx.TensorProto.UINT8
    # the input is exactly representable: scale 1/255, zero point 0
    qin = next(n for n in g.node if n.op_type == 'QuantizeLinear' and n.input[0] == 'input')
    assert np.isclose(onnx.numpy_helper.to_array(inits[qin.input[1]]), 1 / 255)
    ops = fused_ops(q)
    assert ops.get('QLinearConv', 0) == 9 and ops.get('Conv', 0) == 0
    yf, yq = ort_run(fp, x), ort_run(q, x)
    assert yq.shape == yf.shape and np.abs(yq - yf).mean() < 0.02
