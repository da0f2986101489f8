# tscript: class=Net inputs="randn:1,3,8,6"
# nn.AdaptiveAvgPool2d((3, 2))
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AdaptiveAvgPool2d((3, 2))

    def forward(self, x):
        return self.m(x)
