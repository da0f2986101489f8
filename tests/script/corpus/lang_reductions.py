# tscript: class=Net inputs="randn:4,5"
# Reductions: sum/mean with dims and keepdim, std/var, max with indices,
# min, prod, logsumexp, norm, amax.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        mx, imx = x.max(dim=1)
        mn = x.min(dim=0, keepdim=True)[0]
        return (x.sum(), x.sum(1, keepdim=True), x.mean(dim=(0, 1)), x.std(1), x.var(0, unbiased=False),
                mx, imx, mn, (x * 0.5 + 1.0).prod(1), torch.logsumexp(x, 1), x.norm(p=2.0, dim=1),
                x.amax(0), x.abs().max())
