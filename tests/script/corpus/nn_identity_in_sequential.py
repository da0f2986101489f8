# tscript: class=Net inputs="randn:3,4"
# nn.Identity as a placeholder inside nn.Sequential
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Sequential(nn.Linear(4, 4), nn.Identity(), nn.Tanh())

    def forward(self, x):
        return self.m(x)
