# The class forms of section 3.2 of the format reference, as printed.
op_version_set = 8
import __torch__.torch.nn.modules.conv
class Conv2d(Module):
  __parameters__ = ["weight", "bias", ]
  __buffers__ = []
  weight : Tensor
  bias : Optional[Tensor]
  training : bool
  _is_full_backward_hook : NoneType
  _reversed_padding_repeated_twice : List[int]
  out_channels : Final[int] = 64
  padding : Final[Tuple[int, int]] = (3, 3)
  padding_mode : Final[str] = "zeros"
  eps : Final[float] = 1.0000000000000001e-05
  def forward(self: __torch__.torch.nn.modules.conv.Conv2d,
    input: Tensor) -> Tensor:
    weight = self.weight
    bias = self.bias
    _0 = (self)._conv_forward(input, weight, bias, )
    return _0
class Sequential(Module):
  __parameters__ = []
  __buffers__ = []
  __annotations__ = []
  __annotations__["0"] = __torch__.torch.nn.modules.linear.Linear
  def forward(self: __torch__.Sequential, input: Tensor) -> Tensor:
    _0 = getattr(self, "0")
    return (_0).forward(input, )
class Point(NamedTuple):
  x : Tensor
  y : int = 3
class Color(Enum):
  RED = 1
  GREEN = 2.5
  BLUE = "blue"
class ModIface(ModuleInterface):
  def forward(self, x: Tensor) -> Tensor:
    pass
class Iface(Interface):
  def one(self, x: Tensor, y: Tensor) -> Tensor:
    pass
def f(x: Tensor, n: int=-1, p: List[int]=[0, 0], q: float=-inf, c: complex=1.5-2.j) -> Tuple[()]:
  a, b, = (1, 2)
  c, = [3]
  _24 = uninitialized(Optional[bool])
  d : Optional[bool] = _24
  def __forked_function():
    return torch.neg(x)
  fut = fork(__forked_function)
  with torch.no_grad() as g:
    pass
  _1 = torch.zeros([2, 3], dtype=7, layout=None, device=torch.device("cpu"))
  ops.prim.RaiseException("AssertionError: \"x\"\n\001", "builtins.ValueError")
  return ()
