# tscript: class=Net inputs="randn:1,2,6,6,6"
# nn.Conv3d(2, 4, 3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv3d(2, 4, 3)

    def forward(self, x):
        return self.m(x)
