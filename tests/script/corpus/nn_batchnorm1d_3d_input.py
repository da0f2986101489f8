# tscript: class=Net inputs="randn:2,6,10"
# nn.BatchNorm1d on (N, C, L)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.BatchNorm1d(6)

    def forward(self, x):
        return self.m(x)
