# tscript: class=Net inputs="randn:1,4,9"
# nn.ConvTranspose1d(4, 6, 4, stride=2, padding=1, groups=2, bias=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConvTranspose1d(4, 6, 4, stride=2, padding=1, groups=2, bias=False)

    def forward(self, x):
        return self.m(x)
