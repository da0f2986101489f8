# inputs: 1
# expect error: index 5 is out of bounds for dimension 0 with size 3
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        y = x[torch.tensor([5])]
        return int(y.sum()) + n
