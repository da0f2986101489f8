# tscript: class=Net inputs="randn:2,3,8,8"
# torch.nn.functional with the module's own Parameters: conv2d, layer_norm,
# interpolate, linear, pad.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 3, 3, 3) * 0.2)
        self.b = nn.Parameter(torch.randn(4) * 0.1)
        self.fc = nn.Parameter(torch.randn(5, 4) * 0.3)

    def forward(self, x):
        y = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), self.w, self.b, stride=2)
        y = F.layer_norm(y, y.shape[1:])
        y = F.interpolate(y, scale_factor=2.0, mode="nearest")
        y = F.adaptive_avg_pool2d(F.leaky_relu(y, 0.1), 1).flatten(1)
        return F.linear(y, self.fc)
