# tscript: class=Net inputs="randn:4,3,6"
# nn.RNNCell stepped over a sequence
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.RNNCell(6, 10)

    def forward(self, x):
        h = torch.zeros(x.size(1), 10)
        for t in range(x.size(0)):
            h = self.cell(x[t], h)
        return h
