# tscript: class=Net inputs="randn:3,5"
# Functions calling functions, with keyword arguments and defaults.
import torch
import torch.nn as nn


def inner(x: torch.Tensor, k: int = 2) -> torch.Tensor:
    return x * k


def middle(x: torch.Tensor, k: int = 3) -> torch.Tensor:
    return inner(x, k=k) + inner(x)


def outer(x: torch.Tensor) -> torch.Tensor:
    return middle(middle(torch.sin(x)), k=1).tanh()


class Net(nn.Module):
    def forward(self, x):
        return outer(inner(x, 1))
