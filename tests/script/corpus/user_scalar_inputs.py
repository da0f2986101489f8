# tscript: class=Net inputs="randn:3,8 2 0.75 True"
# int, float and bool arguments beside a tensor.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x, repeats: int, scale: float, residual: bool):
        y = x
        for _ in range(repeats):
            y = torch.tanh(self.fc(y)) * scale
            if residual:
                y = y + x
        return y
