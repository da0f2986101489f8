"""The optimisation layer (src/opt/: freeze, constant propagation, dead code,
conv + batch_norm folding, conv + add + activation fusion) against PyTorch.

- `tscript run --optimize` (fused convolutions included) gives PyTorch's
  outputs of the original archive, within harness.py's tolerance, on both
  kernel paths: oneDNN (default) and the portable / x86 kernels
  (TSCRIPT_ONEDNN=0). Folding a batch norm rounds the new weights once
  (float64 arithmetic, one float32 rounding), which moves outputs by about
  eps32 x the reduction's magnitude: the order of the spread the tolerance
  measures, so the usual bound applies unchanged.
- `tscript optimize IN.pt -o OUT.pt` writes an archive that PyTorch 1.13's
  torch.jit.load runs with the original's outputs (same tolerance), that
  holds only standard ops (no tscript::), and whose batch norms are gone.
- What the optimiser must refuse (a module in training mode, a forward
  that sets an attribute) runs unoptimised with a note, still right.
The models are small CNNs of the shapes deployed ones have (a ResNet of
BasicBlocks, a MobileNetV2 of inverted residuals, a MobileNetV3 with
hardswish and squeeze-excitation), with realistic weights
and batch-norm statistics (realistic.py), scripted and traced.
"""
import os
import zipfile

import pytest
import torch
import torch.nn as nn
import torchvision

from harness import (assert_error, assert_ok, assert_same_arrays, flatten, references, run_model,
                     run_tscript, script, trace)
from realistic import realistic


def resnet_small():
    m = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1], num_classes=10)
    return realistic(m, lambda: [torch.randn(2, 3, 32, 32)])


def mobilenet_small():
    m = torchvision.models.mobilenet_v2(width_mult=0.5, num_classes=10)
    return realistic(m, lambda: [torch.randn(2, 3, 32, 32)])


def mobilenet3_small():
    """hardswish after convolutions, squeeze-excitation blocks (hardsigmoid, a multiply)"""
    m = torchvision.models.mobilenet_v3_small(num_classes=10)
    return realistic(m, lambda: [torch.randn(2, 3, 32, 32)])


MODELS = {"resnet": resnet_small, "mobilenet": mobilenet_small, "mobilenet3": mobilenet3_small}


def build(archive, name, kind):
    def make():
        m = MODELS[name]()
        return script(m) if kind == "script" else trace(m, torch.randn(1, 3, 32, 32))
    return archive("optimize_%s_%s" % (name, kind), make)


@pytest.mark.parametrize("onednn", ["1", "0"])
@pytest.mark.parametrize("kind", ["script", "trace"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_run_optimized(archive, rundir, monkeypatch, name, kind, onednn):
    monkeypatch.setenv("TSCRIPT_ONEDNN", onednn)
    path = build(archive, name, kind)
    inputs = [torch.randn(2, 3, 32, 32)]
    _, flat, flat64 = references(path, inputs)
    proc, got = run_model(path, inputs, rundir, ["--optimize"])
    assert "unoptimised" not in proc.stderr, proc.stderr
    assert_same_arrays(got, flat, flat64)


def code_of(path):
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if "/code/" in n and n.endswith(".py"))


@pytest.mark.parametrize("kind", ["script", "trace"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_optimize_archive_runs_in_pytorch(archive, rundir, name, kind):
    path = build(archive, name, kind)
    out = os.path.join(rundir, "opt.pt")
    proc = run_tscript(["optimize", path, "-o", out])
    assert_ok(proc)
    assert "folded" in proc.stderr and "batch norms" in proc.stderr, proc.stderr
    code = code_of(out)
    assert "tscript::" not in code
    assert "batch_norm" not in code  # every batch norm follows a convolution here
    assert "CONSTANTS.c" in code
    inputs = [torch.randn(2, 3, 32, 32)]
    _, flat, flat64 = references(path, inputs)
    m = torch.jit.load(out)
    with torch.no_grad():
        mine = flatten(m(*inputs))
    assert_same_arrays(mine, flat, flat64)
    # and tscript runs what it wrote
    _, got = run_model(out, inputs, rundir)
    assert_same_arrays(got, flat, flat64)


class Counting(nn.Module):
    """forward sets an attribute: freezing it would change what it computes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return torch.relu(self.conv(x)) * self.calls


class Branchy(nn.Module):
    """Control flow on the input stays; on attributes it is decided."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.use_relu = True

    def forward(self, x):
        y = self.bn(self.conv(x))
        if self.use_relu:
            y = torch.relu(y)
        if bool(x.sum() > 0):
            y = y + 1.0
        return y


def bn_stats(m):
    with torch.no_grad():
        m.bn.running_mean.uniform_(-0.5, 0.5)
        m.bn.running_var.uniform_(0.5, 2.0)
    return m


def test_attribute_set_runs_unoptimised(archive, rundir):
    path = archive("optimize_counting", lambda: script(Counting()))
    inputs = [torch.randn(1, 3, 8, 8)]
    _, flat, flat64 = references(path, inputs)
    proc, got = run_model(path, inputs, rundir, ["--optimize"])
    assert "running it unoptimised" in proc.stderr and "sets an attribute" in proc.stderr, proc.stderr
    assert_same_arrays(got, flat, flat64)
    assert_error(run_tscript(["optimize", path, "-o", os.path.join(rundir, "o.pt")]), "sets an attribute")


def test_training_mode_is_refused(archive, rundir):
    def make():
        m = bn_stats(Branchy())
        s = torch.jit.script(m)
        s.train()
        return s
    path = archive("optimize_training", make)
    assert_error(run_tscript(["optimize", path, "-o", os.path.join(rundir, "o.pt")]), "training mode")
    inputs = [torch.randn(2, 3, 8, 8)]
    _, flat, flat64 = references(path, inputs)
    proc, got = run_model(path, inputs, rundir, ["--optimize"])
    assert "training mode" in proc.stderr, proc.stderr
    assert_same_arrays(got, flat, flat64)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_branches(archive, rundir, sign):
    path = archive("optimize_branchy", lambda: script(bn_stats(Branchy())))
    inputs = [torch.randn(2, 3, 8, 8).abs() * sign]
    _, flat, flat64 = references(path, inputs)
    _, got = run_model(path, inputs, rundir, ["--optimize"])
    assert_same_arrays(got, flat, flat64)
    out = os.path.join(rundir, "opt.pt")
    assert_ok(run_tscript(["optimize", path, "-o", out]))
    code = code_of(out)
    assert "use_relu" not in code and "batch_norm" not in code and "if bool(" in code
    with torch.no_grad():
        assert_same_arrays(flatten(torch.jit.load(out)(*inputs)), flat, flat64)


class FreshZeros(nn.Module):
    """A tensor made from constants and then written in place: computing it
    once at optimisation time would make every iteration (and every call)
    write the same tensor, so the second result would be 2 x."""

    def forward(self, x):
        outs = []
        for _ in range(2):
            z = torch.zeros([2, 3])
            z.add_(x)
            outs.append(z)
        return torch.stack(outs)


def test_written_tensors_are_not_folded(archive, rundir):
    path = archive("optimize_fresh_zeros", lambda: script(FreshZeros()))
    inputs = [torch.randn(2, 3)]
    _, flat, flat64 = references(path, inputs)
    _, got = run_model(path, inputs, rundir, ["--optimize"])
    assert_same_arrays(got, flat, flat64)
