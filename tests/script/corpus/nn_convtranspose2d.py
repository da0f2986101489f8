# tscript: class=Net inputs="randn:2,8,5,5"
# nn.ConvTranspose2d(8, 4, 2, stride=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConvTranspose2d(8, 4, 2, stride=2)

    def forward(self, x):
        return self.m(x)
