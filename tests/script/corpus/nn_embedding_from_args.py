# tscript: class=Net args="30, 5, padding_idx=2" inputs="randint:0,30:4,6"
# nn.Embedding(num_embeddings, dim, padding_idx=padding_idx)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, num_embeddings: int, dim: int, padding_idx: int = -1):
        super().__init__()
        self.m = nn.Embedding(num_embeddings, dim, padding_idx=padding_idx)

    def forward(self, x):
        return self.m(x)
