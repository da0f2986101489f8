# inputs: 1
# expect error: tensors used as indices must be long, byte or bool tensors
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        y = x[torch.tensor([0.5])]
        return int(y.sum()) + n
