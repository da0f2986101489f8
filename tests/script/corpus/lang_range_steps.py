# tscript: class=Net inputs="randn:8,3"
# range with start, stop and negative or positive steps.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        out = torch.zeros_like(x[0])
        for i in range(x.size(0) - 1, -1, -2):
            out = out * 0.5 + x[i]
        for j in range(1, 7, 3):
            out = out + j
        return out
