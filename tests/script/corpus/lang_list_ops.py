# tscript: class=Net inputs="randn:3,2"
# List methods: append, extend, insert, pop, slicing, `in`, +, index, reverse.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        xs: List[int] = [1, 2, 3]
        xs.append(4)
        xs.extend([5, 6])
        xs.insert(0, 10)
        last = xs.pop()
        xs.reverse()
        ys = xs[1:4] + [last]
        has = 3 in ys
        pos = xs.index(10)
        ts: List[torch.Tensor] = []
        for v in ys:
            ts.append(x * v)
        return torch.cat(ts, dim=1), len(xs), int(has), pos, xs[-1]
