# tscript: class=Net inputs="randn:2,4,21"
# nn.Conv1d(4, 8, 5, stride=2, padding=2, bias=False)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv1d(4, 8, 5, stride=2, padding=2, bias=False)

    def forward(self, x):
        return self.m(x)
