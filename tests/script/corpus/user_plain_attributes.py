# tscript: class=Net args="kernels=[1, 3, 5], names=('a', 'b', 'c')" inputs="randn:2,4,10"
# Plain attributes of several types (list of int, tuple of str, float, bool,
# str) inferred by TorchScript and used in forward.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, kernels, names):
        super().__init__()
        self.kernels = list(kernels)
        self.names = names
        self.alpha = 0.5
        self.flip = True
        self.tag = "multi" + "scale"
        self.convs = nn.ModuleList([nn.Conv1d(4, 4, k, padding=k // 2) for k in kernels])

    def forward(self, x):
        out = torch.zeros_like(x)
        i = 0
        for conv in self.convs:
            out = out + conv(x) * (self.alpha ** i) * self.kernels[i]
            i += 1
        if self.flip and self.tag.startswith("multi"):
            out = out.flip(-1)
        return out * len(self.names)
