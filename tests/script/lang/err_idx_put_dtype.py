# inputs: 1
# expect error: Index put requires the source and destination dtypes match, got Long for the destination and Float for the source.
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        x[torch.tensor([0, 1])] = torch.zeros(4)
        return int(x.sum()) + n
