# inputs: 2
# expect: ([3], [2, 3], [3, 12], [3, 4, 2], [3, 4, 2], [2, 12], 2, [2])
# A single int where an op takes `int[]` as its last positional argument packs
# into a one-element list (torch.zeros(n), x.flip(0), x.repeat(2)), as
# TorchScript's varargs rule does; several ints pack too (x.view(2, 12)); a
# tuple's elements unify for len(); view with int varargs runs in __init__.
from typing import List, Tuple

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", torch.arange(24.0).view(2, 3, 4))
        self.names = ("a", "b")

    def forward(self, n: int):
        a = torch.zeros(3)
        b = torch.ones(n, 3)
        c = torch.arange(6).view(2, 3).flip(0).reshape(6).repeat(2)
        d = self.w.permute(1, 2, 0)
        e = self.w.permute([1, 2, 0]).flip(-1)
        f = self.w.reshape(2, 12)
        return (a.shape, b.shape, [int(c[0]), int(c.shape[0])], d.shape, e.shape, f.shape,
                len(self.names), torch.zeros(n).shape)
