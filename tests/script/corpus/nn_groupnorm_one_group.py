# tscript: class=Net inputs="randn:2,6,3,3"
# nn.GroupNorm(1, 6, eps=1e-4)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.GroupNorm(1, 6, eps=1e-4)

    def forward(self, x):
        return self.m(x)
