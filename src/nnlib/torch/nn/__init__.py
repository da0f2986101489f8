# tscript nnlib: torch.nn's public names, re-exported from the module files.
#
# Where it sits: the evaluator (src/python/) resolves torch.nn.<Name> / nn.<Name> through
# this file; CPython tests never import it (real torch.nn is there). Only re-exports.
from torch.nn.parameter import Parameter
from torch.nn.modules.module import Module
from torch.nn.modules.linear import Identity, Linear, Bilinear
from torch.nn.modules.activation import Threshold, ReLU, RReLU, Hardtanh, ReLU6, Sigmoid, Hardsigmoid, Tanh, SiLU, Mish, Hardswish, ELU, CELU, SELU, GLU, GELU, Hardshrink, LeakyReLU, LogSigmoid, Softplus, Softshrink, PReLU, Softsign, Tanhshrink, Softmin, Softmax, Softmax2d, LogSoftmax
from torch.nn.modules.container import Sequential, ModuleList, ModuleDict
