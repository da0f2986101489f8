# tscript: class=Net inputs="randn:2,3,8,8"
# nn.Conv2d(3, 4, 3, padding=1, padding_mode='circular')
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv2d(3, 4, 3, padding=1, padding_mode='circular')

    def forward(self, x):
        return self.m(x)
