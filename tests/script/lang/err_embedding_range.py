# inputs: 12
# expect error: index out of range in self
# An embedding index past the table fails with PyTorch's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 3)

    def forward(self, n: int):
        return self.emb(torch.tensor([1, n]))
