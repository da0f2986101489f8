# tscript: class=Net inputs="randn:4,8"
# nn.LayerNorm(8, elementwise_affine=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.LayerNorm(8, elementwise_affine=False)

    def forward(self, x):
        return self.m(x)
