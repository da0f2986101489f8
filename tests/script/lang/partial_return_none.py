# inputs: 1
# expect: (None, 1, None)
# An unannotated function that returns on some paths (nested ifs) and falls
# off its end on the others returns None there, as Python's implicit return.
import torch
import torch.nn as nn


def g(x: int):
    if x > 0:
        if x > 1:
            return 1
        x = 3


class Net(nn.Module):
    def forward(self, x: int):
        return g(x), g(5), g(-1)
