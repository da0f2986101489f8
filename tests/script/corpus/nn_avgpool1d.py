# tscript: class=Net inputs="randn:2,4,12"
# nn.AvgPool1d(3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AvgPool1d(3)

    def forward(self, x):
        return self.m(x)
