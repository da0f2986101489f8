# tscript: class=Net inputs="randn:2,4,15"
# nn.MaxPool1d(3, stride=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MaxPool1d(3, stride=2)

    def forward(self, x):
        return self.m(x)
