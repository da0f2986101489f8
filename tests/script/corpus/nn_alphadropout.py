# tscript: class=Net inputs="randn:4,10"
# nn.AlphaDropout(0.2) in eval mode (the identity)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.AlphaDropout(0.2)

    def forward(self, x):
        return self.m(x)
