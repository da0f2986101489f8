# tscript: class=Net inputs="randn:4,10"
# nn.Dropout(p=0.2, inplace=True) in eval mode (the identity)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Dropout(p=0.2, inplace=True)

    def forward(self, x):
        return self.m(x)
