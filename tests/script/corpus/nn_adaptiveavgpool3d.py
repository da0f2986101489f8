# tscript: class=Net inputs="randn:1,2,5,5,5"
# nn.AdaptiveAvgPool3d(2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AdaptiveAvgPool3d(2)

    def forward(self, x):
        return self.m(x)
