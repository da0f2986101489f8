# tscript: class=Net inputs="randn:2,8,6"
# nn.GroupNorm(4, 8, affine=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.GroupNorm(4, 8, affine=False)

    def forward(self, x):
        return self.m(x)
