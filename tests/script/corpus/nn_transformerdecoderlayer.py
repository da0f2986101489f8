# tscript: class=Net inputs="randn:4,2,16 randn:6,2,16"
# nn.TransformerDecoderLayer, sequence first
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)

    def forward(self, tgt, memory):
        return self.m(tgt, memory)
