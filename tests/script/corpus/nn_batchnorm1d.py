# tscript: class=Net inputs="randn:4,8"
# nn.BatchNorm1d(8)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.BatchNorm1d(8)

    def forward(self, x):
        return self.m(x)
