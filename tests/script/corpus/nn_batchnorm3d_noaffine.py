# tscript: class=Net inputs="randn:2,2,3,4,4"
# nn.BatchNorm3d(2, affine=False, momentum=0.3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.BatchNorm3d(2, affine=False, momentum=0.3)

    def forward(self, x):
        return self.m(x)
