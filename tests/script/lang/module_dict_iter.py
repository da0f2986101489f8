# inputs: 2
# expect: (['relu', 'neg'], [2.0, -2.0], 0.0)
# Iterating a ModuleDict's items(), keys() and values() unrolls over its
# submodules in insertion order.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.d = nn.ModuleDict({"relu": nn.ReLU(), "neg": nn.Identity()})

    def forward(self, n: int):
        x = torch.tensor([float(n)])
        names: List[str] = []
        for k in self.d.keys():
            names.append(k)
        vals: List[float] = []
        for k, m in self.d.items():
            vals.append(float(m(x)) * (1.0 if k == "relu" else -1.0))
        total = 0.0
        for m in self.d.values():
            total += float(m(-x))
        return names, vals, total + float(n)
