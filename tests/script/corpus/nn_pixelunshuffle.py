# tscript: class=Net inputs="randn:1,2,6,4"
# nn.PixelUnshuffle(2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.PixelUnshuffle(2)

    def forward(self, x):
        return self.m(x)
