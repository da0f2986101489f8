# tscript: class=Net inputs="randn:2,8,9,9"
# nn.Conv2d(8, 8, 3, padding=1, groups=8)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv2d(8, 8, 3, padding=1, groups=8)

    def forward(self, x):
        return self.m(x)
