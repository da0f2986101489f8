# tscript: class=Net inputs="randn:3,3 7"
# The math module: constants and functions on Python numbers.
import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, n: int):
        a = math.sqrt(n) + math.pi - math.e
        b = math.exp(0.5) * math.log(n) + math.log10(100.0)
        c = math.floor(2.7) + math.ceil(2.1) + math.floor(-2.5)
        d = math.cos(0.3) * math.sin(0.3) + math.tanh(0.5) + math.atan2(1.0, 2.0)
        e = math.pow(2.0, 0.5) + math.fabs(-3.0) + math.sqrt(3.0 ** 2 + 4.0 ** 2)
        f = float(math.isfinite(a)) + float(math.isnan(b)) + math.degrees(1.0) / 100.0
        return x * a + b + c + d + e + f
