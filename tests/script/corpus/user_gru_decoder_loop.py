# tscript: class=Seq2Seq args="6, 10, steps=4" inputs="randn:3,5,6"
# A GRU encoder and a GRUCell decoder unrolled in a loop, outputs stacked.
from typing import List

import torch
import torch.nn as nn


class Seq2Seq(nn.Module):
    def __init__(self, dim, hidden, steps=3):
        super().__init__()
        self.encoder = nn.GRU(dim, hidden, batch_first=True)
        self.cell = nn.GRUCell(dim, hidden)
        self.out = nn.Linear(hidden, dim)
        self.steps = steps

    def forward(self, x):
        enc, h = self.encoder(x)
        h = h[0]
        y = x[:, -1]
        outs: List[torch.Tensor] = []
        for _ in range(self.steps):
            h = self.cell(y, h)
            y = self.out(h)
            outs.append(y)
        return torch.stack(outs, dim=1)
