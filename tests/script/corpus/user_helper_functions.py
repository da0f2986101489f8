# tscript: class=Net args="8" inputs="randn:3,8"
# Module-level helper functions (typed, with defaults) called from forward:
# TorchScript compiles them recursively.
import torch
import torch.nn as nn
import torch.nn.functional as F


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


def scaled(x: torch.Tensor, factor: float = 0.5, shift: int = 1) -> torch.Tensor:
    return x * factor + shift


def combine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return scaled(gelu_tanh(a), factor=2.0) - scaled(b)


class Net(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.a = nn.Linear(dim, dim)
        self.b = nn.Linear(dim, dim)

    def forward(self, x):
        return combine(self.a(x), self.b(x))
