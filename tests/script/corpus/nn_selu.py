# tscript: class=Net inputs="randn:4,6,5"
# nn.SELU()
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.SELU()

    def forward(self, x):
        return self.m(x)
