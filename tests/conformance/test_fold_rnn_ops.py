"""Models calling the ops of src/ops/tensor_fold.c (im2col / col2im through
F.unfold / F.fold and nn.Unfold / nn.Fold, bicubic upsampling through
F.interpolate) and the Elman RNN layers of tensor_rnn.c (aten::rnn_tanh /
aten::rnn_relu through nn.RNN), scripted by PyTorch 1.13 and run by tscript
against it, with the harness's tolerance (from the spread of PyTorch's
float32 run around its float64 one).
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from harness import check_model, script


class Patches(nn.Module):
    def __init__(self):
        super().__init__()
        self.unfold = nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
        self.fold = nn.Fold((5, 6), 2)

    def forward(self, x: torch.Tensor, c: torch.Tensor):
        cols = F.unfold(x, 3, padding=1)
        return (cols, self.unfold(x), self.fold(c), F.fold(cols, (5, 7), 3, padding=1),
                F.fold(F.unfold(x, 2, stride=2), (5, 7), 2, stride=2))


class Bicubic(nn.Module):
    def forward(self, x: torch.Tensor):
        return (F.interpolate(x, size=[7, 11], mode="bicubic", align_corners=False),
                F.interpolate(x, size=[3, 4], mode="bicubic", align_corners=True),
                F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=False),
                F.interpolate(x, scale_factor=(2.25, 0.75), mode="bicubic", align_corners=True),
                F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=False, recompute_scale_factor=True))


class Elman(nn.Module):
    def __init__(self):
        super().__init__()
        self.tanh = nn.RNN(5, 6)
        self.relu2 = nn.RNN(5, 4, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True)
        self.nobias = nn.RNN(5, 3, bias=False, nonlinearity="relu")

    def forward(self, x: torch.Tensor, xb: torch.Tensor, h: torch.Tensor):
        o1, h1 = self.tanh(x)
        o2, h2 = self.relu2(xb)
        o3, h3 = self.nobias(x, h)
        return o1, h1, o2, h2, o3, h3


MODELS = {
    "patches": (Patches, lambda: [torch.randn(2, 3, 5, 7), torch.randn(2, 12, 20)]),
    "bicubic": (Bicubic, lambda: [torch.randn(2, 3, 6, 5) * 2]),
    "elman": (Elman, lambda: [torch.randn(7, 2, 5), torch.randn(2, 7, 5), torch.randn(1, 2, 3)]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fold_rnn_model(archive, rundir, name):
    build, inputs = MODELS[name]
    torch.manual_seed(0)
    example = inputs()
    path = archive("fold_rnn_%s" % name, lambda: script(build().eval()))
    check_model(path, example, rundir)
