# tscript: class=Net args="3, 8" inputs="randn:2,3,10,10"
# nn.Conv2d(cin, cout, 3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.m = nn.Conv2d(cin, cout, 3)

    def forward(self, x):
        return self.m(x)
