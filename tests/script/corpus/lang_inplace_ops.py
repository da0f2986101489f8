# tscript: class=Net inputs="randn:3,5 randn:3,5"
# In-place tensor methods on clones: add_, mul_, sub_, div_, clamp_, relu_, copy_.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, y):
        z = x.clone()
        z.add_(y, alpha=0.5)
        z.mul_(1.5).sub_(0.25)
        z.div_(y.abs() + 1.0)
        w = y.clone().clamp_(-0.5, 0.5)
        v = torch.empty_like(x).copy_(x).relu_()
        return z, w, v
