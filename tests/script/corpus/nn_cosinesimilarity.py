# tscript: class=Net inputs="randn:4,8 randn:4,8"
# nn.CosineSimilarity
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.CosineSimilarity(dim=1, eps=1e-6)

    def forward(self, a, b):
        return self.m(a, b)
