# tscript: class=Net args="'Conv_Block_3'" inputs="randn:2,3"
# str methods on an attribute: lower, split, join, startswith, replace, strip,
# find, isdigit, in, slicing, ord-free comparisons.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def forward(self, x):
        s = self.name.lower()
        parts = s.split("_")
        joined = "-".join(parts)
        score = len(joined)
        if s.startswith("conv"):
            score += 10
        if parts[-1].isdigit():
            score += int(parts[-1])
        score += s.find("block") + len("  pad ".strip()) + len(s.replace("_", ""))
        if "block" in s and s[:4] == "conv":
            score *= 2
        return x * score, joined.upper()
