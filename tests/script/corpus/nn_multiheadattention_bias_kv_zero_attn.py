# tscript: class=Net inputs="randn:4,2,12 randn:6,2,12"
# nn.MultiheadAttention with add_bias_kv, add_zero_attn, per-head weights
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MultiheadAttention(12, 3, add_bias_kv=True, add_zero_attn=True)

    def forward(self, q, kv):
        out, weights = self.m(q, kv, kv, average_attn_weights=False)
        return out, weights
