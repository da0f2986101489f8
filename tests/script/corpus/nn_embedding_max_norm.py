# tscript: class=Net inputs="randint:0,10:2,4"
# nn.Embedding with max_norm (renormalises the rows it looks up)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Embedding(10, 6, max_norm=1.0)

    def forward(self, x):
        return self.m(x)
