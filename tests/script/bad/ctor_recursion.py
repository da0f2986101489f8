import torch
import torch.nn as nn


def depth(n):
    return depth(n + 1) + 1


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, depth(0))

    def forward(self, x):
        return self.fc(x)
