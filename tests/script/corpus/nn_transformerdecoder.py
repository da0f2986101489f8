# tscript: class=Net inputs="randn:4,2,16 randn:5,2,16"
# nn.TransformerDecoder of two layers with a final norm
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerDecoderLayer(16, 4, 32)
        self.m = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(16))

    def forward(self, tgt, memory):
        return self.m(tgt, memory)
