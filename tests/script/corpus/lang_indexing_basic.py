# tscript: class=Net inputs="randn:4,5,6"
# Indexing with ints, negative ints, slices with steps, None and Ellipsis.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        a = x[0]
        b = x[-1, 1:-1]
        c = x[:, ::2, 1::3]
        d = x[None, ..., 0]
        e = x[..., None, 2]
        f = x[1:3, None, :, -2]
        return a, b, c, d, e, f
