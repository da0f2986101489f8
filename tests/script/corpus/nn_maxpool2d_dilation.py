# tscript: class=Net inputs="randn:1,2,7,7"
# nn.MaxPool2d(kernel_size=2, stride=1, dilation=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MaxPool2d(kernel_size=2, stride=1, dilation=2)

    def forward(self, x):
        return self.m(x)
