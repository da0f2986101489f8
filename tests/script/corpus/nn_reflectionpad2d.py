# tscript: class=Net inputs="randn:1,2,4,4"
# nn.ReflectionPad2d((1, 1, 2, 0))
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ReflectionPad2d((1, 1, 2, 0))

    def forward(self, x):
        return self.m(x)
