# tscript: class=Net
# expect error: var_kwargs.py:8:27: error: compiled functions cannot take a variable number of arguments (**kwargs): name each argument
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, **kwargs):
        return x
