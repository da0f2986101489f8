# tscript: class=Net inputs="randn:2,3,5"
# nn.ConstantPad1d(2, 3.5)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConstantPad1d(2, 3.5)

    def forward(self, x):
        return self.m(x)
