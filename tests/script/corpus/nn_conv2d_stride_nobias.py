# tscript: class=Net inputs="randn:1,3,15,15"
# nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)

    def forward(self, x):
        return self.m(x)
