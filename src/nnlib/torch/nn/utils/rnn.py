# tscript nnlib: torch.nn.utils.rnn, reduced to the PackedSequence type rnn.py's forward
# overloads name.
#
# Where it sits: the frontend needs the type to compile RNN/LSTM/GRU's second forward
# overload (forward__1); in an archive it is the NamedTuple
# __torch__.torch.nn.utils.rnn.PackedSequence with these four fields, in this order. CPython
# tests use PyTorch's own PackedSequence (a namedtuple subclass with the same fields and
# field types). pack_padded_sequence & co. are not provided.
from typing import NamedTuple, Optional

from torch import Tensor


class PackedSequence(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]
