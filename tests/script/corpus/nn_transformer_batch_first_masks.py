# tscript: class=Net inputs="randn:2,5,16 randn:2,3,16"
# nn.Transformer, batch first, causal target mask and padding masks
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=24, batch_first=True)

    def forward(self, src, tgt):
        t = tgt.size(1)
        tgt_mask = torch.triu(torch.full((t, t), float('-inf')), diagonal=1)
        pad = torch.zeros(src.size(0), src.size(1), dtype=torch.bool)
        pad[0, -1] = True
        return self.m(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=pad, memory_key_padding_mask=pad)
