# tscript: class=Net inputs="randn:2,3"
# Dict literals, get with default, keys/values/items, `in`, update, pop;
# a dict output (values in insertion order).
from typing import Dict

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x) -> Dict[str, torch.Tensor]:
        w: Dict[str, float] = {"a": 1.0, "b": -2.0}
        w["c"] = 0.5
        w.update({"d": 3.0})
        dropped = w.pop("b")
        scale = w.get("z", 4.0) + dropped
        out: Dict[str, torch.Tensor] = {}
        for k in w.keys():
            if k in w:
                out[k] = x * w[k] + scale
        out["n"] = torch.tensor(float(len(w.values())))
        return out
