# inputs: 12
# expect: [False, False, False, False, False, False, True, False, True, False, False, False, False, False, True, False, True, False, False, True, True, False, True, False, False, True, True, False, False, True, False, True, True, False, False, False, False, False, False, True, False, False, False, False, False, False, True, False, False, False, False, False, True, False, False, False, True, False, False, True, False, False, True, False, True, False, False, False, True, False, False, True]
# The string predicates isdigit / isalpha / isalnum / isspace / islower /
# isupper (ASCII, as PyTorch's string ops): the empty string, digits,
# letters of each case, whitespace and mixtures; strings built from the
# input so that nothing folds at compile time.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int) -> List[bool]:
        d = str(n)
        xs = ["", d + "3", d + "a", "abc", "ABC", "aB", " \t\n", "a1 ", "a_b", "A" + d, "x9", d + "A"]
        out: List[bool] = []
        for s in xs:
            out += [s.isdigit(), s.isalpha(), s.isalnum(), s.isspace(), s.islower(), s.isupper()]
        return out
