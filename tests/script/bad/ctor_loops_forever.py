import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        n = 0
        while True:
            n += 1
        self.fc = nn.Linear(3, n)

    def forward(self, x):
        return self.fc(x)
