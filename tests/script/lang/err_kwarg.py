# args: 3, widht=4
# expect error: TypeError: __init__() got an unexpected keyword argument 'widht'
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n, width=2):
        super().__init__()
        self.n = n

    def forward(self, x):
        return x
