# tscript: class=Net inputs="randn:1,2,4,4,4"
# nn.InstanceNorm3d(2, affine=True)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.InstanceNorm3d(2, affine=True)

    def forward(self, x):
        return self.m(x)
