# tscript: class=Net inputs="randn:2,3,8,8"
# nn.MaxPool2d(2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MaxPool2d(2)

    def forward(self, x):
        return self.m(x)
