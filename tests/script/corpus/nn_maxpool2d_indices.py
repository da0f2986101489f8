# tscript: class=Net inputs="randn:1,2,6,6"
# nn.MaxPool2d with return_indices: a (values, int64 indices) tuple
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MaxPool2d(2, return_indices=True)

    def forward(self, x):
        return self.m(x)
