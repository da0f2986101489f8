# tscript: class=Net inputs="randn:3,4"
# Creation ops inside forward: zeros_like, ones, full, arange, linspace, eye,
# tensor literals, new_zeros, empty_like filled.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        a = torch.zeros_like(x) + torch.ones(3, 4) * 2
        b = torch.full((3, 4), 0.25) + torch.arange(4, dtype=torch.float32)
        c = torch.linspace(-1.0, 1.0, steps=4) * torch.eye(4)[1]
        d = torch.tensor([[1.0, -2.0, 3.0, 0.5]]) + x.new_zeros(3, 4)
        e = torch.empty_like(x).fill_(1.5)
        return x * a + b + c + d + e, torch.arange(0, 10, 3)
