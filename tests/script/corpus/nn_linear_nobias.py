# tscript: class=Net inputs="randn:2,3,16"
# nn.Linear(16, 8, bias=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Linear(16, 8, bias=False)

    def forward(self, x):
        return self.m(x)
