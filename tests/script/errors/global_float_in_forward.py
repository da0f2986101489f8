# tscript: class=Net
# expect error: global_float_in_forward.py:10:20: error: python value of type 'float' cannot be used as a value: 'SCALE' is a global variable of global_float_in_forward; pass it in as an argument, or make it a module attribute or constant (__constants__, Final)
import torch
import torch.nn as nn
SCALE = 0.5


class Net(nn.Module):
    def forward(self, x):
        return x * SCALE
