# tscript: class=Net inputs="randint:0,20:3,5"
# nn.Embedding(20, 8)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Embedding(20, 8)

    def forward(self, x):
        return self.m(x)
