# tscript: class=Net
# expect error: tuple_index_out_of_range.py:10:16: error: tuple index out of range: the tuple has 2 elements and the index is 5
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        t = (x, 2)
        return t[5]
