# tscript: class=Net inputs="randn:2,4,12"
# nn.InstanceNorm1d(4)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.InstanceNorm1d(4)

    def forward(self, x):
        return self.m(x)
