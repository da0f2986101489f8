# tscript: class=Net inputs="randn:5,2,16"
# nn.MultiheadAttention with a causal float mask and a key padding mask
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(16, 4)

    def forward(self, x):
        n = x.size(0)
        causal = torch.triu(torch.full((n, n), float('-inf')), diagonal=1)
        pad = torch.zeros(x.size(1), n, dtype=torch.bool)
        pad[0, n - 1] = True
        out, weights = self.m(x, x, x, attn_mask=causal, key_padding_mask=pad)
        return out, weights
