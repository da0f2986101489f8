# tscript: class=Net inputs="randn:2,3,4,4"
# nn.Flatten()
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Flatten()

    def forward(self, x):
        return self.m(x)
