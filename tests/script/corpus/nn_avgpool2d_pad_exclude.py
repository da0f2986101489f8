# tscript: class=Net inputs="randn:1,3,9,9"
# nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x):
        return self.m(x)
