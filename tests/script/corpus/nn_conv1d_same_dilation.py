# tscript: class=Net inputs="randn:2,4,16"
# nn.Conv1d(4, 8, 3, padding='same', dilation=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv1d(4, 8, 3, padding='same', dilation=2)

    def forward(self, x):
        return self.m(x)
