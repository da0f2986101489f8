# tscript: class=Net inputs="randn:3,4 randn:3,4"
# Tuple packing, swapping, nested unpacking, unpacking in for loops.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, a, b):
        a, b = b, a
        (p, (q, r)) = (a, (b, 2))
        total = torch.zeros_like(a)
        for i, (u, v) in enumerate([(p, q), (q, p)]):
            total = total + (u - v) * (i + r)
        h, w = a.shape
        first, second, third = a.unbind(0)
        return total, h * w, first - second * third
