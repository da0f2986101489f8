# tscript: class=Net inputs="randn:2,5,16" requires=torch2
# nn.RMSNorm (PyTorch 2.4+: skipped under 1.13)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.RMSNorm(16)

    def forward(self, x):
        return self.m(x)
