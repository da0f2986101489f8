# args: [4, 8, 8, 2]
# inputs: 3
# expect: (6, 3, 3, [8, 8, 2], 6)
# Loops that build nn.Sequential, nn.ModuleList and nn.ModuleDict; iterating them in
# forward (unrolled), enumerate over a ModuleList, and a registered buffer.
from collections import OrderedDict

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, widths):
        super().__init__()
        layers = []
        for i in range(len(widths) - 1):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)
        self.heads = nn.ModuleList([nn.Linear(widths[-1], 1) for _ in range(3)])
        self.named = nn.ModuleDict(OrderedDict((str(i), nn.Identity()) for i in range(3)))
        self.register_buffer("count", torch.zeros(3))
        self.outs = [m.out_features for m in self.body if isinstance(m, nn.Linear)]

    def forward(self, n: int):
        k = 0
        for i, h in enumerate(self.heads):
            k += i
        return len(self.body), len(self.named), n, self.outs, k * 2
