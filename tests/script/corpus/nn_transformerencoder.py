# tscript: class=Net inputs="randn:5,2,16"
# nn.TransformerEncoder of two layers with a final norm
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0)
        self.m = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(16))

    def forward(self, x):
        return self.m(x)
