# tscript: class=Net inputs="randn:2,4,5,5"
# nn.FeatureAlphaDropout(0.1) in eval mode (the identity)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.FeatureAlphaDropout(0.1)

    def forward(self, x):
        return self.m(x)
