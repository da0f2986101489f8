# tscript: class=Net inputs="randn:2,4,17"
# nn.AdaptiveAvgPool1d(5)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AdaptiveAvgPool1d(5)

    def forward(self, x):
        return self.m(x)
