# tscript: class=Net inputs="randn:2,6"
# nested nn.Sequential, indexed in forward
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Sequential(nn.Sequential(nn.Linear(6, 6), nn.Tanh()), nn.Linear(6, 3))

    def forward(self, x):
        h = self.m[0](x)
        return self.m[1](h) + self.m(x)
