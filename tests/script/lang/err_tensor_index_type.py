# expect error: err_tensor_index_type.py:12:25: error: TypeError: a tensor index must be an int, a slice, None, ... or a tensor, not str
# A tensor indexed in a constructor with a value that is no index fails at the index.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        t = torch.zeros(3, 4)
        k = "rows"
        self.row = t[0, k]

    def forward(self, x):
        return x
