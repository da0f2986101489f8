# tscript: class=Net inputs="randn:1,3,10,10"
# nn.AdaptiveMaxPool2d(3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AdaptiveMaxPool2d(3)

    def forward(self, x):
        return self.m(x)
