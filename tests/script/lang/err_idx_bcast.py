# inputs: 1
# expect error: shape mismatch: indexing tensors could not be broadcast together with shapes [3], [2]
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        y = x[torch.tensor([0, 1, 2]), torch.tensor([0, 1])]
        return int(y.sum()) + n
