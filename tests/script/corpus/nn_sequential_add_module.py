# tscript: class=Net args="12, depth=3" inputs="randn:2,12"
# nn.Sequential filled with add_module in a loop
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, width: int, depth: int = 2):
        super().__init__()
        self.m = nn.Sequential()
        for i in range(depth):
            self.m.add_module('layer%d' % i, nn.Linear(width, width))
            self.m.add_module('act%d' % i, nn.GELU())

    def forward(self, x):
        return self.m(x)
