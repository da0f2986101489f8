# tscript: class=Net inputs="randn:1,3,10,10"
# nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)

    def forward(self, x):
        return self.m(x)
