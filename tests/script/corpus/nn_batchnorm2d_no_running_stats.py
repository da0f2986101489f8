# tscript: class=Net inputs="randn:3,4,5,5"
# nn.BatchNorm2d without running stats: batch statistics also in eval
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.BatchNorm2d(4, track_running_stats=False)

    def forward(self, x):
        return self.m(x)
