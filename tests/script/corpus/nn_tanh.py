# tscript: class=Net inputs="randn:4,6,5"
# nn.Tanh()
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Tanh()

    def forward(self, x):
        return self.m(x)
