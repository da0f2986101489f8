# tscript: class=Net inputs="randn:2,5,16"
# nn.LayerNorm(16)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LayerNorm(16)

    def forward(self, x):
        return self.m(x)
