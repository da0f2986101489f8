# args: 4
# inputs: 1
# expect: ([3.0, 0.0, 21.0, 24.0], 2, [2.0, 0.5403, 0.2138, 0.9769, 0.0464, 0.9989, 2.0, -0.4161, 0.4177, 0.9086, 0.0927, 0.9957], [-1.5, -1.5, -1.5], [False, False, True, True], [8.0, 2.0], 4)
# Tensor work in a constructor: indexing a parameter and filling the view,
# slice and step assignment, None/... indices, a number on the left of a
# tensor operator, comparisons, iteration, torch.no_grad().
import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.weight = nn.Parameter(torch.arange(n * 3, dtype=torch.float32).view(n, 3))
        with torch.no_grad():
            self.weight[1].fill_(0)
            self.weight[-1, 1:] = torch.tensor([7.0, 8.0])
        pe = torch.zeros(n, 1, 6)
        position = torch.arange(n).unsqueeze(1)
        div = torch.exp(torch.arange(0, 6, 2) * (-math.log(100.0) / 6))
        pe[:, 0, 0::2] = torch.sin(position * div)
        pe[:, 0, 1::2] = torch.cos(position * div)
        pe[..., 0] = 2.0
        self.register_buffer("pe", pe)
        r = torch.ones(3)
        self.register_buffer("rev", 1 / (r + 1) + 2 ** r - (3 - r) * 2)
        self.register_buffer("mask", (self.weight > 2)[None, :, 1])
        self.rows = [float(row.sum()) for row in self.weight]
        self.first = int(self.weight[0, 2])
        self.pe_vals = [round(float(v), 4) for v in pe[1:3, 0].flatten()]
        self.rev_vals = [float(v) for v in self.rev]
        self.mask_vals = [bool(v) for v in self.mask[0]]
        self.picked = [float(v) for v in self.weight[torch.tensor([3, 0]), 2]]

    def forward(self, x: int):
        return self.rows, self.first, self.pe_vals, self.rev_vals, self.mask_vals, self.picked, self.pe.size(0) * x
