# tscript: class=Net inputs="randn:2,4,5,5"
# nn.BatchNorm2d(4, eps=1e-3, momentum=0.01)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.BatchNorm2d(4, eps=1e-3, momentum=0.01)

    def forward(self, x):
        return self.m(x)
