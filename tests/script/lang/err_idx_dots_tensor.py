# inputs: 1
# expect error: Ellipses followed by tensor indexing is currently not supported
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        y = x[..., torch.tensor([0])]
        return int(y.sum()) + n
