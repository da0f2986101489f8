# tscript: class=Net inputs="randn:3,4"
# nn.Identity ignores its arguments
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Identity(54, unused='ignored')

    def forward(self, x):
        return self.m(x)
