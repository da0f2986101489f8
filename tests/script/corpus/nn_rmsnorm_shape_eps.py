# tscript: class=Net inputs="randn:2,4,4" requires=torch2
# nn.RMSNorm over two dims (PyTorch 2.4+)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.RMSNorm([4, 4], eps=1e-5)

    def forward(self, x):
        return self.m(x)
