# tscript: class=Net inputs="randn:4,1 randn:1,5"
# Broadcasting binary ops and elementwise max/min, pow, atan2, lerp.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, a, b):
        s = a + b
        return (torch.maximum(a, b), torch.minimum(a, b) * 2, torch.max(s, torch.zeros_like(s)),
                torch.atan2(a, b), torch.lerp(a.expand(4, 5), b.expand(4, 5), 0.3),
                torch.pow(s.abs() + 0.5, 1.5), s.sign())
