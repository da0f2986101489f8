# tscript: class=Net inputs="randn:1,2,6,6,6"
# nn.AvgPool3d(2, stride=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AvgPool3d(2, stride=2)

    def forward(self, x):
        return self.m(x)
