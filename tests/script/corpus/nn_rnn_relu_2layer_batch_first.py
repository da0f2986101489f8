# tscript: class=Net inputs="randn:2,5,8"
# nn.RNN, relu, two layers, batch first
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.RNN(8, 16, num_layers=2, nonlinearity='relu', batch_first=True)

    def forward(self, x):
        out, h = self.m(x)
        return out, h
