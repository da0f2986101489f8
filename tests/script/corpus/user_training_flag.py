# tscript: class=Net inputs="randn:4,8"
# `if self.training` and F.dropout(x, p, self.training): eval takes the other way.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, p: float = 0.3):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)
        self.p = p

    def forward(self, x):
        h = F.dropout(F.relu(self.fc1(x)), self.p, self.training)
        if self.training:
            h = h * 0.0
        return self.fc2(h)
