# tscript: class=Net inputs="randn:2,5"
# f-strings with expressions and format specs; their lengths reach the output.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        n = x.size(0)
        s = f"{n}x{x.size(1)}"
        t = f"value={1.5} count={n + 10} name={'abc'}"
        return x * len(s) + len(t), s
