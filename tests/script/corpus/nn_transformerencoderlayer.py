# tscript: class=Net inputs="randn:6,2,16"
# nn.TransformerEncoderLayer, sequence first
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)

    def forward(self, x):
        return self.m(x)
