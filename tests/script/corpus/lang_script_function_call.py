# tscript: class=Net inputs="randn:3,4"
# A @torch.jit.script function at module level, called from forward.
import torch
import torch.nn as nn


@torch.jit.script
def swish(x: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    return x * torch.sigmoid(beta * x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return swish(self.fc(x), 2.0)
