# tscript: class=Net inputs="randn:2,3,13"
# nn.AdaptiveMaxPool1d(4)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AdaptiveMaxPool1d(4)

    def forward(self, x):
        return self.m(x)
