# inputs: 1
# expect: ([[6.0, 7.0], [10.0, 11.0]], [3, 5, 7], [[9.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 11.0]], [5.0, 10.0], 11.0)
# Views with a storage offset read right in a constructor: tolist() of slices, diag() of
# a row view and of a sliced matrix, float() of an element.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        t = torch.arange(12, dtype=torch.float32).view(3, 4)
        self.tl = t[1:, 2:].tolist()
        self.tl_int = torch.arange(10)[3:9:2].tolist()
        self.dg = torch.diag(t[2, 1:]).tolist()
        self.dg2 = torch.diag(t[1:], 1).tolist()
        self.one = float(t[2][3])

    def forward(self, x: int):
        return self.tl, self.tl_int, self.dg, self.dg2, self.one
