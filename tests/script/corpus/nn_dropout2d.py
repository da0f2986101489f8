# tscript: class=Net inputs="randn:2,4,5,5"
# nn.Dropout2d(0.3) in eval mode (the identity)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Dropout2d(0.3)

    def forward(self, x):
        return self.m(x)
