# tscript: class=Net inputs="randint:0,10:12"
# nn.Embedding(10, 4, padding_idx=0)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Embedding(10, 4, padding_idx=0)

    def forward(self, x):
        return self.m(x)
