# tscript: class=Net inputs="randn:2,2,4"
# nn.ReplicationPad1d((3, 1))
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ReplicationPad1d((3, 1))

    def forward(self, x):
        return self.m(x)
