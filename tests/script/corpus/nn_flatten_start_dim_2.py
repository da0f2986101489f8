# tscript: class=Net inputs="randn:2,3,4,5"
# nn.Flatten(start_dim=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Flatten(start_dim=2)

    def forward(self, x):
        return self.m(x)
