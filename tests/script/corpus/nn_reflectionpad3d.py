# tscript: class=Net inputs="randn:1,1,3,3,3"
# nn.ReflectionPad3d(1)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ReflectionPad3d(1)

    def forward(self, x):
        return self.m(x)
