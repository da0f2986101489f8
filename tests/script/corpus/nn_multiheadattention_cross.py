# tscript: class=Net inputs="randn:2,4,16 randn:2,6,16 randn:2,6,16"
# nn.MultiheadAttention, batch first, cross attention (query, key, value differ)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, q, k, v):
        out, weights = self.m(q, k, v)
        return out, weights
