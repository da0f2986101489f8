# tscript: class=Net inputs="randn:4,12"
# nn.Unflatten(-1, (2, 3, 2))
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Unflatten(-1, (2, 3, 2))

    def forward(self, x):
        return self.m(x)
