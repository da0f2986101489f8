# tscript: class=Net inputs="randn:2,16,5,5"
# nn.Conv2d(16, 8, 1)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv2d(16, 8, 1)

    def forward(self, x):
        return self.m(x)
