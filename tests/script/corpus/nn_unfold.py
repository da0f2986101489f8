# tscript: class=Net inputs="randn:1,3,4,6"
# nn.Unfold(kernel_size=2, stride=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Unfold(kernel_size=2, stride=2)

    def forward(self, x):
        return self.m(x)
