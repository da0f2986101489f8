# tscript: class=Net inputs="randn:1,4,3,3"
# nn.LocalResponseNorm(size=2, alpha=1e-2, beta=0.5, k=2.0)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LocalResponseNorm(size=2, alpha=1e-2, beta=0.5, k=2.0)

    def forward(self, x):
        return self.m(x)
