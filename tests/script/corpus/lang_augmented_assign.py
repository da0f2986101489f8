# tscript: class=Net inputs="randn:2,5"
# Augmented assignment on ints, floats and tensors, and the power operator.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        i = 17
        i += 3
        i -= 1
        i *= 2
        i = i // 3
        i = i % 7
        f = 1.5
        f **= 2
        f /= 3
        y = x.clone()
        y += 1.0
        y *= x
        y -= 0.5
        y /= 2.0
        return y ** 2 + i + f
