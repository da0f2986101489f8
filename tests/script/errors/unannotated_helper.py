# tscript: class=Net
# expect error: unannotated_helper.py:13:16: error: argument 'k' of scale(): expected a value of type Tensor but found int: 'k' is not annotated, so TorchScript takes it to be a Tensor; annotate it (k: int)
import torch
import torch.nn as nn


def scale(x, k):
    return x * k


class Net(nn.Module):
    def forward(self, x):
        return scale(x, 2)
