# inputs: 1
# expect error: shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 4]
# A bad tensor index fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12).view(3, 4)
        x[torch.tensor([0, 1])] = torch.zeros(3, dtype=torch.long)
        return int(x.sum()) + n
