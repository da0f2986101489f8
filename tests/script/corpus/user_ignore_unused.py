# tscript: class=Net inputs="randn:2,8"
# @torch.jit.unused (replaced by a raise; on a branch eval never takes) and
# @torch.jit.ignore (left in Python; never called from forward).
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    @torch.jit.unused
    def training_forward(self, x):
        import random
        return self.fc(x) * random.random()

    @torch.jit.ignore
    def describe(self):
        return "Net with %d outputs" % self.fc.out_features

    def forward(self, x):
        if self.training:
            return self.training_forward(x)
        return self.fc(x)
