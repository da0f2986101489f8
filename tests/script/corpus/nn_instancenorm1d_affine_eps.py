# tscript: class=Net inputs="randn:2,3,9"
# nn.InstanceNorm1d(3, eps=1e-3, affine=True)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.InstanceNorm1d(3, eps=1e-3, affine=True)

    def forward(self, x):
        return self.m(x)
