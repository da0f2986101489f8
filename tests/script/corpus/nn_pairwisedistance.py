# tscript: class=Net inputs="randn:4,8 randn:4,8"
# nn.PairwiseDistance, p=1, keepdim
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.PairwiseDistance(p=1.0, keepdim=True)

    def forward(self, a, b):
        return self.m(a, b)
