# tscript: class=Net inputs="randn:5"
# nn.Linear on a 1-D input
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Linear(5, 3)

    def forward(self, x):
        return self.m(x)
