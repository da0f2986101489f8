# tscript: class=Net inputs="randn:3,4,5"
# nn.LayerNorm([4, 5])
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LayerNorm([4, 5])

    def forward(self, x):
        return self.m(x)
