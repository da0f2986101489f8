#!/usr/bin/env python3
"""Generate the torch.save files under tests/data/weights/ that test_weights.c
reads back through ts_weights_load. Run with a newer PyTorch than Debian's
(the files are the 2.x side of the format; tests/conformance/test_weights.py
writes 1.13's at test time):

    cd tests/data/weights && /work/venvs/torch-2.15/bin/python make_weights.py

The outputs are committed (a few KB); rerun only when adding a case. Values
are fixed (arange-based, exact in every dtype) so the C test checks them
exactly.
"""
import collections

import torch

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
          torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool]


def state_dict():
    m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    with torch.no_grad():
        for i, p in enumerate(m.parameters()):
            p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape) * 0.5 - i)
        m[1].running_mean.copy_(torch.tensor([0.25, -0.75]))
        m[1].running_var.copy_(torch.tensor([1.5, 2.0]))
    torch.save(m.state_dict(), "state_dict.pt")


def dtypes():
    d = collections.OrderedDict()
    for dt in DTYPES:
        name = str(dt).replace("torch.", "")
        d[name] = (torch.arange(6) % 2 == 1) if dt == torch.bool else (
            torch.arange(6).to(dt) - (0 if dt == torch.uint8 else 2))
        d[name] = d[name].reshape(2, 3)
    # a transposed view and a parameter
    d["view"] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()
    d["param"] = torch.nn.Parameter(torch.tensor([1.5, -2.5]))
    torch.save(d, "dtypes.pt")


def nested():
    t = torch.arange(4, dtype=torch.int32)
    obj = {"layers": [{"w": torch.ones(2, 2), "n": 3}, {"w": torch.zeros(1), "n": -7}],
           "pair": (t, t[1:]),  # two views of one storage
           "meta": {"lr": 0.125, "name": "adam", "step": 2 ** 40, "flag": True, "none": None}}
    torch.save(obj, "nested.pt")
    torch.save(torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64), "tensor.pt")


if __name__ == "__main__":
    state_dict()
    dtypes()
    nested()
