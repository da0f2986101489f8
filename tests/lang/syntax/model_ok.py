"""A user model in the TorchScript language: must parse with no errors."""
import math
import torch
import torch.nn as nn
from typing import Dict, List, Optional, Tuple
from torch import Tensor


class Block(nn.Module):
    """Conv, norm, activation."""

    scale: float
    names: List[str]
    __constants__ = ["scale"]

    def __init__(self, cin: int, cout: int, scale: float = 1.0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.scale = scale
        self.names = ["a", 'b', """c"""]

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        y = torch.relu(self.bn(self.conv(x))) * self.scale
        if mask is not None:
            y = y * mask
        elif x.dim() == 3:
            y = y.unsqueeze(0)
        else:
            pass
        return y


@torch.jit.script
def helper(xs: List[int], *, k: int = 2) -> Tuple[int, Dict[str, int]]:
    total = 0
    for i, v in enumerate(xs):
        if v < 0:
            continue
        total += v ** k - (i % 3) // 2
    counts = {str(v): v for v in xs if v > 0}
    squares = [v * v for v in xs]
    while total > 100 and len(squares) > 0:
        total -= squares.pop()
        if total < -1_000:
            break
    assert total >= -(2 ** 31), "overflow"
    return total, counts


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.blocks = nn.ModuleList([Block(3, 8), Block(8, 8, scale=0.5)])
        self.fc = nn.Linear(8, 10)

    @torch.jit.export
    def features(self, x: Tensor) -> Tensor:
        for b in self.blocks:
            x = b(x)
        return x.mean(dim=[2, 3])

    @torch.jit.ignore
    def debug(self, x):
        print(x.shape, file=None)

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        logits = self.fc(x)
        probs = torch.softmax(logits, -1) if self.training else logits
        a, b = probs.shape[0], probs[:, 1:3, ...]
        _, idx = torch.max(probs, dim=1)
        out = probs[idx > 0] if bool(idx.any()) else probs
        return out + math.pi - 1e-3 * a + b.sum()
