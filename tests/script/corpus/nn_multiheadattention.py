# tscript: class=Net inputs="randn:5,2,16"
# nn.MultiheadAttention, self attention, sequence first
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(16, 4)

    def forward(self, x):
        out, weights = self.m(x, x, x)
        return out, weights
