# tscript: class=Net inputs="randn:2,3,12"
# nn.LPPool1d(2, 3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LPPool1d(2, 3)

    def forward(self, x):
        return self.m(x)
