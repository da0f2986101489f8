# tscript: class=Net
# expect error: global_list_in_forward.py:10:24: error: python value of type 'list' cannot be used as a value: 'SIZES' is a global variable of global_list_in_forward; pass it in as an argument, or make it a module attribute or constant (__constants__, Final)
import torch
import torch.nn as nn
SIZES = [1, 2]


class Net(nn.Module):
    def forward(self, x):
        return x * len(SIZES)
