# tscript: class=Net inputs="randn:2,4,16 randn:2,5,16"
# nn.TransformerDecoder, batch first, causal tgt_mask and a memory padding mask
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerDecoderLayer(16, 2, 32, batch_first=True, activation='gelu')
        self.m = nn.TransformerDecoder(layer, num_layers=2)

    def forward(self, tgt, memory):
        t = tgt.size(1)
        mask = torch.triu(torch.full((t, t), float('-inf')), diagonal=1)
        pad = torch.zeros(memory.size(0), memory.size(1), dtype=torch.bool)
        pad[1, -2:] = True
        return self.m(tgt, memory, tgt_mask=mask, memory_key_padding_mask=pad)
