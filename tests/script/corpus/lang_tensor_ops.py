# tscript: class=Net inputs="randn:4,6 randint:0,6:4,2"
# where, clamp, masked_fill, gather, scatter, cumsum, topk, sort, argmax, einsum.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, idx):
        a = torch.where(x > 0, x, x * 0.1).clamp(-1.0, 2.0)
        b = x.masked_fill(x < -0.5, -9.0)
        c = x.gather(1, idx)
        d = torch.zeros_like(x).scatter(1, idx, 1.0)
        e = x.cumsum(1)
        vals, ind = x.topk(2, dim=1)
        s, order = torch.sort(x, dim=0, descending=True)
        f = torch.einsum("ij,kj->ik", x, x)
        return a, b, c, d, e, vals, ind, s, order, x.argmax(1), f
