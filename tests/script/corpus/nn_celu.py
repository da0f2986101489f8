# tscript: class=Net inputs="randn:4,6,5"
# nn.CELU(alpha=2.0)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.CELU(alpha=2.0)

    def forward(self, x):
        return self.m(x)
