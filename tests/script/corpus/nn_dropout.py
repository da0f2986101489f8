# tscript: class=Net inputs="randn:4,10"
# nn.Dropout(0.5) in eval mode (the identity)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Dropout(0.5)

    def forward(self, x):
        return self.m(x)
