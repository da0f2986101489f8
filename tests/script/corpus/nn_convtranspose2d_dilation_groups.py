# tscript: class=Net inputs="randn:1,4,5,7"
# nn.ConvTranspose2d(4, 6, 3, dilation=2, groups=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConvTranspose2d(4, 6, 3, dilation=2, groups=2)

    def forward(self, x):
        return self.m(x)
