# tscript: class=Net inputs="randn:3,16"
# nn.Unflatten(1, (2, 8))
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Unflatten(1, (2, 8))

    def forward(self, x):
        return self.m(x)
