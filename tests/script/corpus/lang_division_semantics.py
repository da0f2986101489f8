# tscript: class=Net inputs="randn:2,3"
# Python's // and % on negative ints and floats, true division of ints.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        a = -7 // 2
        b = -7 % 3
        c = 7 // -2
        d = 7 / 2
        e = -7.5 // 2.0
        f = -7.5 % 2.0
        t = torch.tensor([-7.0, 7.5, -2.5])
        return x * (a + b + c + d + e + f), t // 2, torch.remainder(t, 2.0), torch.fmod(t, 2.0)
