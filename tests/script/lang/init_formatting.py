# args: 3, 0.125
# inputs: 1
# expect: (1, 'layer3 act03 w=0.125 p=12.50% [   3] <3   > x03 -7 +3 1.2e+03', 'layer3|0.125|0.12|1,234|0x1f|  left|True|1', 'a=3 b=0.125 3.0 True')
# The evaluator formats strings as Python does: printf-style %, str.format and
# f-strings with the format mini-language (width, fill, align, sign, precision, types).
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n: int, w: float):
        super().__init__()
        self.pct = "layer%d act%02d w=%s p=%.2f%% [%4d] <%-4d> x%02x %d %+d %.1e" % (
            n, n, w, w * 100, n, n, n, -7.9, n, 1234.5)
        self.fmt = "{}|{}|{:.2f}|{:,}|{:#x}|{:>6}|{}|{:d}".format("layer%d" % n, w, w, 1234, 31, "left", True, True)
        self.fs = f"a={n} b={w!r} {float(n)} {n > 2}"

    def forward(self, x: int):
        return x, self.pct, self.fmt, self.fs
