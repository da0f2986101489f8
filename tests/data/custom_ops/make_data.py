"""Archives for tests/unit/test_custom_ops.c: TorchScript code calling ops of
an extension tscript does not have (namespace myns), written by PyTorch 1.13.

The ops are defined here with torch.library, so that torch.jit.script can
compile calls of them; tscript gets them only from the test's kernels
(ts_register_op). Run with /usr/bin/python3 from any directory:

    /usr/bin/python3 tests/data/custom_ops/make_data.py

custom.pt  forward(x) = myns::scale(x, 2.5) + 1 (the test's kernel multiplies);
           pair(x) = myns::split2(x), a Tensor[] return (two halves of dim 0);
           count(x) = myns::count(x), an int return;
           unknown(x) = myns::missing(x), an op no test registers.
"""
import os
from typing import List

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))

lib = torch.library.Library("myns", "DEF")
lib.define("scale(Tensor x, float a) -> Tensor")
lib.define("split2(Tensor x) -> Tensor[]")
lib.define("count(Tensor x) -> int")
lib.define("missing(Tensor x) -> Tensor")
lib.impl("scale", lambda x, a: x * a, "CPU")
lib.impl("split2", lambda x: list(x.chunk(2)), "CPU")
lib.impl("count", lambda x: x.numel(), "CPU")
lib.impl("missing", lambda x: x, "CPU")


class Custom(nn.Module):
    def forward(self, x):
        return torch.ops.myns.scale(x, 2.5) + 1

    @torch.jit.export
    def pair(self, x) -> List[torch.Tensor]:
        return torch.ops.myns.split2(x)

    @torch.jit.export
    def count(self, x) -> int:
        return torch.ops.myns.count(x)

    @torch.jit.export
    def unknown(self, x):
        return torch.ops.myns.missing(x)


if __name__ == "__main__":
    m = torch.jit.script(Custom())
    x = torch.arange(4.0).reshape(2, 2)
    assert torch.equal(m(x), x * 2.5 + 1) and m.count(x) == 4
    m.save(os.path.join(HERE, "custom.pt"))
