# tscript: class=Net inputs="randn:1,3,8,8"
# nn.Conv2d(3, 4, 3, padding=2, padding_mode='replicate', dilation=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv2d(3, 4, 3, padding=2, padding_mode='replicate', dilation=2)

    def forward(self, x):
        return self.m(x)
