# A sibling file the corpus's sources import (no header: not a case itself).
import torch
import torch.nn as nn

DEFAULT_EPS = 1e-5


class ConvBNAct(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=DEFAULT_EPS)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


def channel_mean(x: torch.Tensor) -> torch.Tensor:
    return x.mean(dim=(2, 3))
