# inputs: 3
# expect: (2.0, 4.0, -2.0, 3.0, 143.2394487827058, 0.04363323129985824, 1.329340388179137, 1.5849625007211563, 0.8760580505981934, 11.182493960703473, -2.5, 0.2846828704729192, 0.999593047982555, False, True, 1.0986122886681098, 20.085536923187668, (7.5, 9.0, 4.5, 0.0, 0, 2))
# math functions and round() on Python numbers in compiled code resolve to
# PyTorch's aten::NAME.float/.int overloads (round half to even), and a number
# on the left of a tensor takes PyTorch's builtin functions (2 - x is
# neg(x) + 2), not a conversion of the tensor to a number.
import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, i: int):
        a = 2.5
        t = torch.arange(3.0)
        scalars = (round(a), round(a + 1.0), round(-i + 0.5), round(i), math.degrees(a), math.radians(a),
                   math.gamma(a), math.log(i, 2), math.atan2(i, a), math.expm1(a), math.copysign(a, -1.0),
                   math.lgamma(a), math.erf(a), math.isinf(a), math.isfinite(a), math.log(i), math.exp(i))
        mixed = (float((a * t).sum()), float((i * t).sum()), float((a - t).sum()), float((i < t).sum()),
                 int((a / (t + 1.0)).argmax()), int((1 != t).sum()))
        return scalars + (mixed,)
