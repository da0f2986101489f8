# tscript: class=Net args="6" inputs="randn:4,6" seed=123
# Parameters made directly (torch.randn, torch.ones) and initialised with
# nn.init in a reset_parameters method: the seed check follows each draw.
import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim, dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.gain = nn.Parameter(torch.ones(dim))
        self.noise = nn.Parameter(torch.randn(dim) * 0.1)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        nn.init.normal_(self.bias, std=0.02)
        nn.init.uniform_(self.gain, 0.5, 1.5)

    def forward(self, x):
        return torch.addmm(self.bias, x, self.weight.t()) * self.gain + self.noise
