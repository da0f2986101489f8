# tscript: class=Net
# expect error: tensor_attribute_typo.py:9:16: error: 'Tensor' object has no attribute or method 'sizee' (did you mean 'size'?)
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        return x.sizee(0)
