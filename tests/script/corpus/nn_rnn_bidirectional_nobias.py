# tscript: class=Net inputs="randn:4,3,6"
# nn.RNN bidirectional, no bias
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.RNN(6, 10, bidirectional=True, bias=False)

    def forward(self, x):
        out, h = self.m(x)
        return out, h
