# tscript: class=Net inputs="randn:1,2,3,4,4"
# nn.Dropout3d() in eval mode (the identity)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Dropout3d()

    def forward(self, x):
        return self.m(x)
