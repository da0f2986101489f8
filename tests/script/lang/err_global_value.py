# inputs: 3
# expect error: err_global_value.py:15:20: error: python value of type 'int' cannot be used as a value
# PyTorch 1.13 refuses a module-level Python value in compiled code (attributes and
# __constants__ are the way): so does tscript.
import torch.nn as nn

WIDTH = 4


class Net(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, n: int):
        return n * WIDTH
