# tscript: class=Net inputs="randn:4,6"
# `with torch.no_grad():` inside forward, and in-place updates of a clone.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        with torch.no_grad():
            y = self.fc(x)
            y.clamp_(min=-0.5)
            y.mul_(2.0)
        return y + x
