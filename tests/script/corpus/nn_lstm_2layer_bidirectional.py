# tscript: class=Net inputs="randn:2,6,8"
# nn.LSTM, two layers, bidirectional, batch first
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LSTM(8, 12, num_layers=2, bidirectional=True, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.m(x)
        return out, h, c
