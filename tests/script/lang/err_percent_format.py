# expect error: err_percent_format.py:11:20: error: TypeError: %d format: a real number is required, not str
# printf-style formatting refuses a value its conversion cannot take, with CPython's message.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, name: str = "x"):
        super().__init__()
        self.ok = "%s-%02d" % (name, 3)
        self.bad = "%d" % name

    def forward(self, x):
        return x
