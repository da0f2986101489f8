"""Models calling the ATen ops of src/ops/tensor_nn2.c and tensor_conv3.c
(max / min with and without a dim, argmax / argmin, instance / group norm,
prelu, glu, bilinear, pixel shuffle, upsampling, 3-d pooling, conv3d,
transposed convolutions, the small activations), scripted by PyTorch 1.13
and run by tscript against it. Float outputs use the harness's tolerance
(from the spread of the float32 run around the float64 one); indices are
compared exactly.
"""
from typing import Tuple

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from harness import check_model, script


class Reductions(nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor):
        v, i = torch.max(x, 1)
        w, j = x.min(dim=-1, keepdim=True)
        return (v, i, w, j, torch.max(x), torch.min(x), torch.max(x, y), torch.min(x, y),
                torch.argmax(x), torch.argmin(x, 0), torch.argmax(x, dim=1, keepdim=True))


class Norms(nn.Module):
    def __init__(self):
        super().__init__()
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.inorm_plain = nn.InstanceNorm1d(4)
        self.gnorm = nn.GroupNorm(2, 4)
        self.prelu = nn.PReLU(4)
        self.prelu1 = nn.PReLU()
        self.bil = nn.Bilinear(5, 3, 6)

    def forward(self, x: torch.Tensor, s: torch.Tensor, a: torch.Tensor, b: torch.Tensor):
        return (self.inorm(x), self.inorm_plain(s), self.gnorm(x), self.prelu(x), self.prelu1(s),
                self.bil(a, b), F.glu(x, 1), F.glu(s))


class Resample(nn.Module):
    def forward(self, x: torch.Tensor, s: torch.Tensor, v: torch.Tensor):
        return (F.pixel_shuffle(x, 2), F.pixel_unshuffle(x, 2),
                F.interpolate(x, scale_factor=2.0, mode="nearest"),
                F.interpolate(x, size=[5, 7], mode="nearest"),
                F.interpolate(x, size=[7, 9], mode="bilinear", align_corners=False),
                F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True),
                F.interpolate(s, size=11, mode="linear", align_corners=False),
                F.interpolate(s, scale_factor=3.0, mode="nearest"),
                F.interpolate(v, size=[3, 5, 4], mode="trilinear", align_corners=False),
                F.interpolate(v, scale_factor=2.0, mode="nearest"))


class Conv3(nn.Module):
    def __init__(self):
        super().__init__()
        self.c3 = nn.Conv3d(4, 6, 3, stride=(1, 2, 1), padding=1, groups=2)
        self.c3s = nn.Conv3d(4, 2, (2, 3, 3), padding="same", dilation=(1, 2, 1))
        self.t1 = nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1)
        self.t2 = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)
        self.t2b = nn.ConvTranspose2d(4, 3, (2, 3), stride=(2, 1), bias=False)
        self.t3 = nn.ConvTranspose3d(4, 2, 2, stride=2)

    def forward(self, v: torch.Tensor, x: torch.Tensor, s: torch.Tensor):
        return (self.c3(v), self.c3s(v), self.t1(s), self.t2(x), self.t2b(x), self.t3(v),
                F.avg_pool3d(v, 2), F.avg_pool3d(v, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                F.max_pool3d(v, 2, stride=1), F.max_pool3d(v, 3, stride=2, padding=1, dilation=1, ceil_mode=True))


class Acts(nn.Module):
    def forward(self, x: torch.Tensor):
        return (F.selu(x), F.celu(x, 0.7), F.mish(x), F.softshrink(x, 0.4), F.hardshrink(x, 0.6),
                F.logsigmoid(x), F.threshold(x, 0.2, -3.0), torch.expm1(x))


MODELS = {
    "reductions": (Reductions, lambda: [torch.randn(5, 7), torch.randn(5, 7)]),
    "norms": (Norms, lambda: [torch.randn(2, 4, 5, 6) * 2 + 1, torch.randn(3, 4, 8), torch.randn(3, 5),
                              torch.randn(3, 3)]),
    "resample": (Resample, lambda: [torch.randn(2, 4, 4, 6), torch.randn(2, 3, 7), torch.randn(1, 2, 2, 3, 3)]),
    "conv3": (Conv3, lambda: [torch.randn(2, 4, 5, 6, 5), torch.randn(2, 4, 5, 6), torch.randn(2, 4, 7)]),
    "acts": (Acts, lambda: [torch.randn(4, 9) * 2]),
}


def randomize(m: nn.Module):
    # PReLU's and norms' default parameters are constants: make them realistic
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape) * 0.5 + 0.3)
    return m


class Misc(nn.Module):
    def forward(self, x: torch.Tensor, idx: torch.Tensor):
        v, i = torch.topk(x, 3)
        w, j = x.topk(2, dim=0, largest=False)
        parts = torch.unbind(x, 1)
        return (v, i, w, j, torch.std(x), x.std(1), torch.var(x, 0, keepdim=True),
                torch.var(x, [0, 1], correction=0), x.std(dim=1, unbiased=False),
                torch.arange(7), torch.arange(1.5, 4.0, 0.5) * x.sum(), torch.arange(2, 11, 3),
                torch.linspace(-1.0, 2.0, 7) * x.mean(), torch.trunc(x * 3), torch.atan2(x, x.flip([0]) + 0.1),
                torch.flip(x, [0, 1]), parts[0] + parts[2], torch.gather(x, 1, idx),
                torch.tensor([[1.5, 2.0], [3.0, -4.0]]) * x[0, 0], torch.tensor([1, 2, 3]), torch.tensor(2.5) + x)


MODELS["misc"] = (Misc, lambda: [torch.randn(5, 6) * 3, torch.tensor([[0, 5], [1, 1], [2, 0], [3, 3], [4, 2]])])


class Cells(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNNCell(5, 4)
        self.gru = nn.GRUCell(5, 4)

    def forward(self, x: torch.Tensor, h: torch.Tensor, v: torch.Tensor, u: torch.Tensor):
        m1, i1 = F.adaptive_max_pool1d(v[0], 3, return_indices=True)
        m2, i2 = F.adaptive_max_pool2d(v, (3, 2), return_indices=True)
        m3, i3 = F.adaptive_max_pool3d(u, 2, return_indices=True)
        return (self.rnn(x, h), self.gru(x, h), self.gru(x), m1, i1, m2, i2, m3, i3,
                F.adaptive_avg_pool3d(u, (2, 3, 2)), F.cosine_similarity(x, x.flip([0]) + 0.5),
                F.pairwise_distance(x, x * 0.5 - 1.0), F.pairwise_distance(x, x.flip([1]), p=1.0, keepdim=True),
                x * x.sum().item())


MODELS["cells"] = (Cells, lambda: [torch.randn(3, 5), torch.randn(3, 4), torch.randn(2, 3, 7, 5),
                                   torch.randn(1, 2, 5, 6, 4)])


class LSTMCells(nn.Module):
    """aten::lstm_cell: batched, with and without a state, and unbatched."""
    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(5, 4)
        self.nobias = nn.LSTMCell(5, 3, bias=False)

    def forward(self, x: torch.Tensor, h: torch.Tensor):
        h1, c1 = self.cell(x, (h, h * 0.5 - 0.2))
        h2, c2 = self.cell(x)
        h3, c3 = self.cell(x[1], (h[1], h[0]))
        h4, c4 = self.nobias(x)
        return h1, c1, h2, c2, h3, c3, h4, c4


class Embeddings(nn.Module):
    """aten::embedding with int64 and int32 indices of several shapes, and F.embedding's
    max_norm, which scripted PyTorch drops (its renorm call has no effect in a graph)."""
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 3, padding_idx=2)
        self.capped = nn.Embedding(10, 3, max_norm=0.5)

    def forward(self, idx: torch.Tensor, w: torch.Tensor):
        return (self.emb(idx), F.embedding(idx.int(), w), F.embedding(idx[0, 1], w), F.embedding(idx.t(), w[:, 1:]),
                self.capped(idx))


MODELS["embedding"] = (Embeddings, lambda: [torch.tensor([[1, 9, 2], [0, 0, 5]]), torch.randn(10, 4)])
class RReLUs(nn.Module):
    """aten::rrelu / rrelu_ in eval mode: leaky_relu with slope (lower + upper) / 2."""
    def __init__(self):
        super().__init__()
        self.m = nn.RReLU(0.05, 0.5)

    def forward(self, x: torch.Tensor):
        return F.rrelu(x), F.rrelu(x, 0.1, 0.3), F.rrelu(x.clone(), 0.2, 0.25, inplace=True), self.m(x)


MODELS["rrelu"] = (RReLUs, lambda: [torch.randn(4, 6) * 3])
class MaxPoolIndices(nn.Module):
    """aten::max_pool{1,2}d_with_indices (boolean_dispatch on return_indices): padding,
    dilation, ceil mode, strided input."""
    def __init__(self):
        super().__init__()
        self.p2 = nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)
        self.p1 = nn.MaxPool1d(2, return_indices=True, ceil_mode=True)

    def forward(self, x: torch.Tensor, y: torch.Tensor):
        a, ia = self.p2(x)
        b, ib = F.max_pool2d(x.transpose(2, 3), (2, 3), (1, 2), dilation=(2, 1), return_indices=True)
        c, ic = self.p1(y)
        d, id_ = F.max_pool1d(y[0], 3, 1, 1, return_indices=True)
        return a, ia, b, ib, c, ic, d, id_, F.max_pool2d(x, 2)


MODELS["maxpool_indices"] = (MaxPoolIndices, lambda: [torch.randn(2, 3, 7, 6), torch.randn(2, 4, 9)])
MODELS["lstm_cell"] = (LSTMCells, lambda: [torch.randn(3, 5), torch.randn(3, 4)])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_nn_ops2_model(archive, rundir, name):
    build, inputs = MODELS[name]
    torch.manual_seed(0)
    example = inputs()
    path = archive("nn_ops2_%s" % name, lambda: script(randomize(build()).eval()))
    check_model(path, example, rundir)
