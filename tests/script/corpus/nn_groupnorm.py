# tscript: class=Net inputs="randn:2,8,5,5"
# nn.GroupNorm(2, 8)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.GroupNorm(2, 8)

    def forward(self, x):
        return self.m(x)
