# tscript: class=Net inputs="randn:6,4 randint:0,6:3"
# Indexing with an index tensor, a bool mask, and index assignment.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, idx):
        picked = x[idx]
        cols = x[:, idx.clamp(max=3)]
        masked = x[x > 0]
        y = x.clone()
        y[0] = 1.5
        y[:, 1] += 2.0
        y[y < -1.0] = -1.0
        y[idx, 0] = torch.arange(3, dtype=x.dtype)
        return picked, cols, masked, y
