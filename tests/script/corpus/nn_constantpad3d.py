# tscript: class=Net inputs="randn:1,1,2,2,2"
# nn.ConstantPad3d(1, 0.5)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConstantPad3d(1, 0.5)

    def forward(self, x):
        return self.m(x)
