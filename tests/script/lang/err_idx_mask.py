# inputs: 1
# expect error: The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        y = x[torch.tensor([True, False])]
        return int(y.sum()) + n
