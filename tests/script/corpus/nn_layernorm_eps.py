# tscript: class=Net inputs="randn:16"
# nn.LayerNorm(normalized_shape=16, eps=1e-6)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LayerNorm(normalized_shape=16, eps=1e-6)

    def forward(self, x):
        return self.m(x)
