# tscript: class=Net inputs="randn:2,3"
# assert with a message, and raise on a branch not taken.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        assert x.dim() == 2, "expected a matrix"
        if x.size(0) == 0:
            raise ValueError("empty batch")
        if x.size(1) > 100:
            raise RuntimeError(f"too wide: {x.size(1)}")
        return x.exp()
