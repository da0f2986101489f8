# tscript: class=Net inputs="randn:1,12,12"
# nn.Fold(output_size=(4, 5), kernel_size=2)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Fold(output_size=(4, 5), kernel_size=2)

    def forward(self, x):
        return self.m(x)
