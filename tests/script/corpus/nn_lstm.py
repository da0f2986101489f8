# tscript: class=Net inputs="randn:5,2,8"
# nn.LSTM
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LSTM(8, 16)

    def forward(self, x):
        out, (h, c) = self.m(x)
        return out, h, c
