# tscript: class=Net inputs="randn:2,3,5"
# nn.Flatten(0, 1)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Flatten(0, 1)

    def forward(self, x):
        return self.m(x)
