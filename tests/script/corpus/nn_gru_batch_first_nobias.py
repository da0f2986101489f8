# tscript: class=Net inputs="randn:3,4,6"
# nn.GRU batch first, no bias
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.GRU(6, 8, batch_first=True, bias=False)

    def forward(self, x):
        out, h = self.m(x)
        return out, h
