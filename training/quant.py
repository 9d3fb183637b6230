"""ONNX export (fp32) and static int8 QDQ quantization with the `onnx` library alone.

Weights: per-channel symmetric int8 (axis 0); biases int32 at scale x_scale*w_scale (what
onnxruntime's Conv QDQ selector needs to fuse into QLinearConv); activations uint8 asymmetric
from ranges measured by running the fp32 model in onnxruntime-node over good images. Q/DQ pairs
go on every Conv/Resize input and on the pre-sigmoid logits; Relu before a zero-point-0 Q is
removed by onnxruntime (Relu-Q fusion), so Conv+Relu becomes one QLinearConv.
"""
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
TOOL = HERE / 'ort_tool.mjs'


def export_fp32(model: torch.nn.Module, shape, path: Path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, *shape), str(path), opset_version=13, input_names=['input'],
                      output_names=['output'], do_constant_folding=True)
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    return m


def ort(cmd: str, model: Path, *args, dims=None) -> str:
    env = dict(os.environ, ORT_DIMS=json.dumps(list(dims)) if dims else '')
    r = subprocess.run(['node', str(TOOL), cmd, str(model), *map(str, args)], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'ort_tool {cmd} failed: {r.stderr[-2000:]}')
    return r.stdout


def ort_run(model: Path, x: np.ndarray) -> np.ndarray:
    """x: float32 (N,C,H,W) already normalised; returns the model's first output (N,C',H,W)."""
    return ort_run_all(model, x)[0]


def ort_run_all(model: Path, x: np.ndarray) -> list[np.ndarray]:
    """Every output of the model, in graph order, each (N,C',H,W)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    n_out = len(onnx.load(str(model)).graph.output)
    with tempfile.TemporaryDirectory() as d:
        fi, fo = Path(d) / 'in.f32', Path(d) / 'out.f32'
        x.tofile(fi)
        ort('run', model, fi, len(x), fo, dims=(1,) + x.shape[1:])
        ys = [np.fromfile(fo if k == 0 else Path(f'{fo}.{k}'), dtype=np.float32) for k in range(n_out)]
    return [y.reshape(len(x), -1, x.shape[2], x.shape[3]) for y in ys]


def activation_ranges(fp32_path: Path, calib: np.ndarray) -> dict:
    """Per-tensor (lo, hi) over the calibration images: every node output becomes a graph output."""
    m = onnx.load(str(fp32_path))
    have = {o.name for o in m.graph.output}
    for n in m.graph.node:
        for o in n.output:
            if o not in have:
                m.graph.output.append(helper.make_tensor_value_info(o, TensorProto.FLOAT, None))
    with tempfile.TemporaryDirectory() as d:
        mp, fi, fo = Path(d) / 'all.onnx', Path(d) / 'in.f32', Path(d) / 'r.json'
        onnx.save(m, str(mp))
        np.ascontiguousarray(calib, dtype=np.float32).tofile(fi)
        ort('ranges', mp, fi, len(calib), fo, dims=(1,) + calib.shape[1:])
        raw = json.loads(fo.read_text())
    # Global min/max over images; ReLU outputs have lo = 0 so their zero point is 0.
    return {k: (float(min(v['min'])), float(max(v['max']))) for k, v in raw.items()}


def _uint8_params(lo: float, hi: float):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zp = int(np.clip(round(-lo / scale), 0, 255))
    return np.float32(scale), np.uint8(zp)


def quantize_qdq(fp32_path: Path, ranges: dict, input_range, out_path: Path, quant_logits: bool = True, keep_float=()) -> dict:
    """keep_float: Conv node names left in float (mixed precision for the layers int8 hurts most)."""
    m = onnx.load(str(fp32_path))
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    producers = {o: n for n in g.node for o in n.output}
    new_nodes, new_inits = [], []
    dq_of = {}
    stats = {'conv': 0, 'resize': 0, 'qdq_pairs': 0}
    rng = dict(ranges)
    rng[g.input[0].name] = input_range
    # nearest Resize copies values: its output gets exactly its input's quantization.
    for n in g.node:
        if n.op_type == 'Resize':
            rng[n.output[0]] = rng[n.input[0]]

    def qdq(t):
        if t in dq_of:
            return dq_of[t]
        s, z = _uint8_params(*rng[t])
        sn, zn = f'{t}_scale', f'{t}_zp'
        new_inits.extend([numpy_helper.from_array(np.array(s, np.float32), sn), numpy_helper.from_array(np.array(z, np.uint8), zn)])
        new_nodes.append(helper.make_node('QuantizeLinear', [t, sn, zn], [f'{t}_q'], name=f'{t}_Q'))
        new_nodes.append(helper.make_node('DequantizeLinear', [f'{t}_q', sn, zn], [f'{t}_dq'], name=f'{t}_DQ'))
        dq_of[t] = (f'{t}_dq', float(s))
        stats['qdq_pairs'] += 1
        return dq_of[t]

    for n in list(g.node):
        if n.op_type == 'Resize':
            n.input[0] = qdq(n.input[0])[0]
            stats['resize'] += 1
        elif n.op_type == 'Concat':
            # Each branch ends in Q, so the Conv (+Relu) feeding it fuses into QLinearConv.
            for k in range(len(n.input)):
                n.input[k] = qdq(n.input[k])[0]
            stats['concat'] = stats.get('concat', 0) + 1
        elif n.op_type == 'Sigmoid' and quant_logits:
            n.input[0] = qdq(n.input[0])[0]
        elif n.op_type == 'Conv' and n.name in keep_float:
            stats['float_conv'] = stats.get('float_conv', 0) + 1
        elif n.op_type == 'Conv':
            xname, xs = qdq(n.input[0])
            n.input[0] = xname
            w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
            ws = np.abs(w.reshape(w.shape[0], -1)).max(1) / 127.0
            ws[ws == 0] = 1.0
            wq = np.clip(np.round(w / ws[:, None, None, None]), -127, 127).astype(np.int8)
            base = n.input[1]
            new_inits += [numpy_helper.from_array(wq, base + '_q'), numpy_helper.from_array(ws.astype(np.float32), base + '_scale'),
                          numpy_helper.from_array(np.zeros(len(ws), np.int8), base + '_zp')]
            new_nodes.append(helper.make_node('DequantizeLinear', [base + '_q', base + '_scale', base + '_zp'], [base + '_dq'], axis=0))
            n.input[1] = base + '_dq'
            if len(n.input) > 2 and n.input[2]:
                b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
                bs = (xs * ws).astype(np.float32)
                bq = np.round(b / bs).astype(np.int32)
                bn = n.input[2]
                new_inits += [numpy_helper.from_array(bq, bn + '_q'), numpy_helper.from_array(bs, bn + '_scale'),
                              numpy_helper.from_array(np.zeros(len(bs), np.int32), bn + '_zp')]
                new_nodes.append(helper.make_node('DequantizeLinear', [bn + '_q', bn + '_scale', bn + '_zp'], [bn + '_dq'], axis=0))
                n.input[2] = bn + '_dq'
            stats['conv'] += 1
    # Q after each Conv's activation so the next op reads uint8: handled by qdq() on consumers.
    used = {i for n in g.node for i in n.input} | {i for n in new_nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    # Topological order: Q/DQ of tensor t right after t's producer (weights' DQ first).
    nodes = list(g.node)
    order = [x for x in new_nodes if x.op_type == 'DequantizeLinear' and x.input[0].endswith('_q') and x.input[0][:-2] in inits]
    pending = [x for x in new_nodes if x not in order]
    by_src = {}
    for x in pending:
        src = x.input[0] if x.op_type == 'QuantizeLinear' else x.input[0][:-2]
        by_src.setdefault(src, []).append(x)

    def emit_for(t):
        for x in by_src.pop(t, []):
            order.append(x)
    emit_for(g.input[0].name)
    for n in nodes:
        order.append(n)
        for o in n.output:
            emit_for(o)
    del g.node[:]
    g.node.extend(order)
    onnx.checker.check_model(m)
    onnx.save(m, str(out_path))
    return stats


def fused_ops(model_path: Path) -> dict:
    """Op-type counts of the graph onnxruntime-node actually runs after its optimizations."""
    with tempfile.TemporaryDirectory() as d:
        op = Path(d) / 'opt.onnx'
        ort('fusion', model_path, op)
        m = onnx.load(str(op))
    counts = {}
    for n in m.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return counts


def bench_ms(model_path: Path, shape, n: int = 300) -> float:
    return json.loads(ort('bench', model_path, n, dims=(1,) + tuple(shape)))['ms_per_inference']
