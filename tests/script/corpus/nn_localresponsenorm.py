# tscript: class=Net inputs="randn:2,6,5,5"
# nn.LocalResponseNorm(3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LocalResponseNorm(3)

    def forward(self, x):
        return self.m(x)
