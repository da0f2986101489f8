# tscript: class=Net inputs="randn:2,5,16"
# nn.MultiheadAttention, batch first self attention without weights (1.13's fast path)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x):
        out, _ = self.m(x, x, x, need_weights=False)
        return out
