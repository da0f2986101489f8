# tscript: class=Net inputs="randn:1,2,4,4,4"
# nn.AdaptiveMaxPool3d((2, 2, 1))
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AdaptiveMaxPool3d((2, 2, 1))

    def forward(self, x):
        return self.m(x)
