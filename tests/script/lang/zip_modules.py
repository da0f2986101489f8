# inputs: 2
# expect: ([0.0, 2.0], [0, 1], [10, 21, 32], 4.0)
# zip over ModuleLists (and enumerate(zip(...))) unrolls over the shortest
# container; zip of lists stays a loop.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.ModuleList([nn.ReLU(), nn.Hardtanh(-2.0, 2.0)])
        self.b = nn.ModuleList([nn.Identity(), nn.Identity(), nn.Tanh()])

    def forward(self, n: int):
        x = torch.tensor([-1.0, float(n) + 1.0])
        outs: List[float] = []
        idx: List[int] = []
        for i, (p, q) in enumerate(zip(self.a, self.b)):
            outs.append(float(q(p(x))[i]))
            idx.append(i)
        tens = [10, 20, 30]
        mixed: List[int] = []
        for t, j in zip(tens, [0, 1, 2]):
            mixed.append(t + j)
        total = 0.0
        for m, w in zip(self.b, self.a):
            total += float(w(m(x)).sum())
        return outs, idx, mixed, total
