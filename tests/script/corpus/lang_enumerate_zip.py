# tscript: class=Net inputs="randn:3,4"
# enumerate with a start, zip of two lists, zip of three.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        ws: List[float] = [0.5, -1.0, 2.0]
        bs: List[int] = [1, 2, 3]
        cs: List[int] = [3, 2, 1]
        out = torch.zeros_like(x[0])
        for i, row in enumerate(x.unbind(0), 1):
            out = out + row * i
        for w, b in zip(ws, bs):
            out = out * w + b
        for w, b, c in zip(ws, bs, cs):
            out = out - w * b * c
        return out
