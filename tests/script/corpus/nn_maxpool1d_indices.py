# tscript: class=Net inputs="randn:2,3,11"
# nn.MaxPool1d with return_indices
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.MaxPool1d(3, stride=2, return_indices=True)

    def forward(self, x):
        return self.m(x)
