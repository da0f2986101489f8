# tscript: class=Net args="6, mode='max', scale=1.5" inputs="randn:3,6,4"
# Final attributes and __constants__: inlined as constants by TorchScript.
import torch
import torch.nn as nn
from typing import Final


class Net(nn.Module):
    __constants__ = ["mode"]
    scale: Final[float]
    use_bias: Final[bool]

    def __init__(self, dim: int, mode: str = "mean", scale: float = 1.0):
        super().__init__()
        self.mode = mode
        self.scale = scale
        self.use_bias = True
        self.fc = nn.Linear(dim, dim, bias=self.use_bias)

    def forward(self, x):
        y = self.fc(x.transpose(1, 2)) * self.scale
        if self.mode == "max":
            return y.max(dim=1)[0]
        return y.mean(dim=1)
