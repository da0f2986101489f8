# tscript: class=Net inputs="randn:6,2,16 randn:4,2,16"
# nn.Transformer, one encoder and one decoder layer
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32)

    def forward(self, src, tgt):
        return self.m(src, tgt)
