# tscript: class=Net inputs="pos:3,4 randn:3,4"
# Elementwise math on tensors: log, sqrt, rsqrt, exp, expm1, log1p, reciprocal,
# erf, floor, ceil, round, trunc, frac, sigmoid, sin, cos, tan-free.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, p, x):
        return (p.log(), p.sqrt(), p.rsqrt(), x.exp(), x.expm1(), p.log1p(), p.reciprocal(),
                torch.erf(x), (x * 3).floor(), (x * 3).ceil(), (x * 3).round(), (x * 3).trunc(),
                (x * 3).frac(), x.sigmoid(), torch.sin(x), torch.cos(x), x.abs().neg())
