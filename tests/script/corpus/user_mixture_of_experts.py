# tscript: class=MoE args="8, experts=3" inputs="randn:5,8"
# Experts in a ModuleList, gated by a softmax, stacked and weighted.
from typing import List

import torch
import torch.nn as nn


class MoE(nn.Module):
    def __init__(self, dim, experts=4):
        super().__init__()
        self.gate = nn.Linear(dim, experts)
        self.experts = nn.ModuleList([nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(),
                                                    nn.Linear(dim * 2, dim))
                                      for _ in range(experts)])

    def forward(self, x):
        weights = torch.softmax(self.gate(x), dim=-1)
        outs: List[torch.Tensor] = [e(x) for e in self.experts]
        stacked = torch.stack(outs, dim=1)
        return (weights.unsqueeze(-1) * stacked).sum(dim=1)
