# tscript: class=Net inputs="randn:1,2,7,7"
# nn.AvgPool2d(2, ceil_mode=True, divisor_override=3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AvgPool2d(2, ceil_mode=True, divisor_override=3)

    def forward(self, x):
        return self.m(x)
