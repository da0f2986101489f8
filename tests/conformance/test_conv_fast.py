"""The oneDNN path of float32 convolution (src/ops/conv_fast.c) against
PyTorch, and against itself switched off (TSCRIPT_ONEDNN=0: the portable and
x86 kernels of tensor_conv.c).

Its primitives and reordered weights are cached per call site and weight;
a weight or bias written in place (directly or through a view) between two
calls of the same call site must be seen by the next call (Storage.version).
Results are compared within harness.py's tolerance, never bit for bit: the
two paths sum in different orders. Without oneDNN built in, both runs take
the portable path and the tests still hold.
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from harness import check_model, script


class MutatedWeights(nn.Module):
    """One conv2d call site run three times, its weight and bias changed in
    place between the calls (add_, a view's fill_, mul_)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.register_buffer("w", torch.randn(8, 3, 3, 3))
        self.register_buffer("b", torch.randn(8))

    def forward(self, x):
        outs = []
        for i in range(3):
            outs.append(F.conv2d(x, self.w, self.b, padding=1))
            if i == 0:
                self.w.add_(0.5)
                self.b.mul_(2.0)
            else:
                self.w[0].fill_(0.25)
        return torch.stack(outs)


class SmallCNN(nn.Module):
    """The shapes the fast path takes: a 7x7 stride-2 stem, conv + batch norm
    + relu with a residual add, a 1x1 projection, depthwise and grouped
    convolutions, a dilated one and a 1-d one."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.proj = nn.Conv2d(16, 32, 1, stride=2)
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.grouped = nn.Conv2d(32, 32, 3, padding=2, dilation=2, groups=4)
        self.c1d = nn.Conv1d(32, 8, 3, padding=1)

    def forward(self, x):
        y = torch.relu(self.bn(self.stem(x)))
        y = torch.relu(self.c1(y) + y)
        y = self.proj(y)
        y = F.relu6(self.dw(y))
        y = self.grouped(y)
        return self.c1d(y.flatten(2))


def build(archive, cls):
    def make():
        torch.manual_seed(1)
        m = cls()
        if isinstance(m, SmallCNN):
            with torch.no_grad():
                m.bn.running_mean.uniform_(-0.5, 0.5)
                m.bn.running_var.uniform_(0.5, 2.0)
        return script(m)
    return archive("conv_fast_" + cls.__name__, make)


@pytest.mark.parametrize("onednn", ["1", "0"])
def test_weights_written_between_calls(archive, rundir, monkeypatch, onednn):
    monkeypatch.setenv("TSCRIPT_ONEDNN", onednn)
    torch.manual_seed(2)
    check_model(build(archive, MutatedWeights), [torch.randn(2, 3, 9, 9)], rundir)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("onednn", ["1", "0"])
def test_small_cnn(archive, rundir, monkeypatch, onednn, batch):
    monkeypatch.setenv("TSCRIPT_ONEDNN", onednn)
    torch.manual_seed(3)
    check_model(build(archive, SmallCNN), [torch.randn(batch, 3, 32, 32)], rundir)
