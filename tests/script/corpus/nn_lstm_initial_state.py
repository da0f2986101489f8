# tscript: class=Net inputs="randn:6,3,4 randn:2,3,8 randn:2,3,8"
# nn.LSTM given its initial state
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LSTM(4, 8, num_layers=2)

    def forward(self, x, h0, c0):
        out, state = self.m(x, (h0, c0))
        return out, state[0], state[1]
