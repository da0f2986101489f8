# inputs: 1
# expect: ([8, 9, 10, 11, 4, 5, 6, 7, 1, 0, 5, 4, 9, 8, 7, 8, 9, 10, 11, 3, 7, 11, 1, 10, 6, 5, 10, 9, -1, -1, -1, -1, 4, 5, 6, 7, 8, 9, 10, 11, 1, 21, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 27, 8, 9, 30, 11, 0, 1, 2, 3, 5, 6, 7, 8, 8, 9, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 7], [[2, 4], [3, 2], [5], [1, 3, 1], [2], [2, 2], [3, 4], [3, 4], [3, 4], [3, 4], [3, 4]], [2, 1, 2, 5], [2, 1, 3, 5], [4, 2])
# Tensor indexing as PyTorch compiles it: ints select, slices slice, None
# unsqueezes, dimensions after `...` count from the end, and tensor indices
# (int64 or bool masks, None holes) go to one aten::index after the views;
# assignment and augmented assignment with a tensor index are index_put_.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        idx = torch.tensor([2, n])
        a = x[idx]
        b = x[:, idx - 1]
        c = x[x > 6]
        d = x[None, ..., -1:]
        e = x[torch.tensor([0, 2]), torch.tensor([1, 2])]
        f = x[1:3, None, idx][:, 0]
        y = x.clone()
        y[0] = -1
        z = x.clone()
        z[0, idx - 1] = torch.tensor([21, 1])
        w = x.clone()
        w[torch.tensor([1, 2]), torch.tensor([3, 2])] += 20
        v = x.clone()
        v[1] += n
        v[2, -2:] = 0
        m = x.clone()
        m[m > 9] = 7
        g = torch.zeros(2, 3, 4, 5)
        h = torch.zeros(4, 5, 6)
        outs = [a, b, c, d, e, f, y, z, w, v, m]
        flat: List[int] = torch.cat([t.flatten() for t in outs]).tolist()
        return (flat, [t.shape for t in outs], g[:, torch.tensor([[0, 1]]), 0].shape,
                g[torch.tensor([1]), :, torch.tensor([[0], [1]])].shape, h[torch.tensor([0, 1, 2, 3]), torch.tensor([0]), 1:3].shape)
