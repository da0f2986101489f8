# tscript: class=Net inputs="randn:3,4,8 zeros:3,4:bool"
# nn.MultiheadAttention given a bool key padding mask as input
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x, mask):
        out, w = self.m(x, x, x, key_padding_mask=mask)
        return out, w
