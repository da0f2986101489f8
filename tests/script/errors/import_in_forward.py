# tscript: class=Net
# expect error: import_in_forward.py:9:9: error: import statements are not supported inside a TorchScript function: import at the top of the file
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        import math
        return x * math.pi
