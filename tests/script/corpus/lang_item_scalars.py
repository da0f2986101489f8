# tscript: class=Net inputs="randn:4,4"
# Tensor to Python number conversions: item, int(), float(), bool(), tolist-free.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        s = x.sum().item()
        m = float(x.abs().max())
        k = int(x.argmax())
        pos = bool((x > 0).any())
        n = x.numel() + x.dim() + x.size(-1) + len(x.shape)
        return x / m + s, k, pos, n, m
