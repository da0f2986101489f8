# tscript: class=Net inputs="randn:2,6,12"
# nn.Conv1d(6, 6, 3, padding=1, groups=3, padding_mode='reflect')
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv1d(6, 6, 3, padding=1, groups=3, padding_mode='reflect')

    def forward(self, x):
        return self.m(x)
