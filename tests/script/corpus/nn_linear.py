# tscript: class=Net args="16, 8" inputs="randn:4,16"
# nn.Linear(in_features, out_features)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.m = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.m(x)
