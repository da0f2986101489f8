import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        if width % 2:
            raise ValueError(f"width must be even, got {width}")
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return self.fc(x)
