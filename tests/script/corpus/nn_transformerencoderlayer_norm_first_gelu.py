# tscript: class=Net inputs="randn:2,6,16"
# nn.TransformerEncoderLayer, batch first, norm first, gelu
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=24, activation='gelu', batch_first=True, norm_first=True)

    def forward(self, x):
        return self.m(x)
