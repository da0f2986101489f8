# tscript: class=Net args="4" inputs="randn:2,4,6,6"
# nn.BatchNorm2d(num_features)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.m = nn.BatchNorm2d(num_features)

    def forward(self, x):
        return self.m(x)
