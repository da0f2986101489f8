# tscript: class=Net inputs="randn:2,2,8,4"
# Module-level constants (int, float, tuple, str) used in __init__ (TorchScript
# 1.13 refuses a global float inside forward: see errors/global_float_in_forward.py).
import math

import torch
import torch.nn as nn

HIDDEN = 16
EPS = 1e-5
SCALE = math.sqrt(2.0)
KERNEL = (3, 1)
MODE = "mean"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, HIDDEN, KERNEL, padding=(1, 0))
        self.mode = MODE
        self.eps = EPS
        self.scale = SCALE * HIDDEN / 16

    def forward(self, x):
        y = self.conv(x)
        y = y / (y.std() + self.eps) * self.scale
        if self.mode == "mean":
            return y.mean(dim=1)
        return y.sum(dim=1)
