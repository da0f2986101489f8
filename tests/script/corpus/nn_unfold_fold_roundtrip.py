# tscript: class=Net inputs="randn:2,3,6,8"
# nn.Unfold with dilation, padding and stride, and nn.Fold summing the overlapping patches back
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.unfold = nn.Unfold(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
        self.fold = nn.Fold(output_size=(6, 8), kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
        self.proj = nn.Linear(18, 18)

    def forward(self, x):
        cols = self.unfold(x)
        mixed = self.proj(cols.transpose(1, 2)).transpose(1, 2)
        return cols, self.fold(mixed)
