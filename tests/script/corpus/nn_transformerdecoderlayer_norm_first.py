# tscript: class=Net inputs="randn:2,4,16 randn:2,6,16"
# nn.TransformerDecoderLayer, batch first, norm first, with a causal mask
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.TransformerDecoderLayer(16, 2, 24, batch_first=True, norm_first=True)

    def forward(self, tgt, memory):
        t = tgt.size(1)
        mask = torch.triu(torch.full((t, t), float('-inf')), diagonal=1)
        return self.m(tgt, memory, tgt_mask=mask)
