class Features(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : NoneType
  table : Dict[str, float]
  sep : str
  color : __torch__.Color
  layers : __torch__.torch.nn.modules.container.ModuleList
  impl : __torch__.ModIface
  def forward(self: __torch__.Features,
    x: Tensor,
    y: Optional[Tensor]=None,
    c: complex=1.5-2.j) -> Any:
    layers = self.layers
    _0 = getattr(layers, "0")
    _1 = getattr(layers, "1")
    x0 = (_0).forward(x, )
    x1 = (_1).forward(x0, )
    impl = self.impl
    x2 = (impl).forward(x1, )
    def __forked_function():
      return __torch__.work(x2, 2, )
    fut = fork(__forked_function)
    z = torch.wait(fut)
    _2 = __torch__.torch.autograd.grad_mode.no_grad.__new__(__torch__.torch.autograd.grad_mode.no_grad)
    _3 = (_2).__init__()
    with _2:
      z0 = torch.mul(z, 2)
    if torch.__is__(y, None):
      y0, yy = y, torch.zeros([2, 3], dtype=7)
    else:
      y1 = unchecked_cast(Tensor, y)
      y0, yy = y1, y1
    _4 = (self).helper([1, -2, 3], {"x": 1}, )
    a, b, = _4
    w = torch.slice(torch.slice(x2), 1, 1, 3)
    w2 = torch.select(torch.unsqueeze(x2, 0), -1, 0)
    q = torch.div(z0, 2, rounding_mode="floor")
    if bool(torch.gt(torch.sum(z0), 0)):
      e = __torch__.Color.GREEN
    else:
      e = self.color
    table = self.table
    inf_v = table["b"]
    if torch.gt(a, 0):
      neg = torch.neg(inf_v)
    else:
      neg = -inf
    _5 = isinstance(y0, Tensor)
    if _5:
      neg0 = torch.add(neg, 1.)
    else:
      neg0 = neg
    sep = self.sep
    t = (a, b, sep, (e).value, (e).name, c, 1.0000000000000001e-05, 1e+100, 123456789., -0.)
    _6 = torch.floordiv((torch.size(x2))[0], 2)
    _7 = torch.remainder(torch.size(x2, 1), 3)
    _8 = (w, w2, q, yy, t, neg0, _6, _7, torch.pow(2, a), torch.__lshift__(a, 2), torch.__xor__(a, 3), torch.__and__(a, 1), torch.__or__(a, 4))
    return unchecked_cast(Any, _8)
  def helper(self: __torch__.Features,
    xs: List[int],
    d: Dict[str, int]) -> Tuple[int, str]:
    _7 = [9223372036854775807, torch.len(xs)]
    _8 = ops.prim.min(_7)
    total = 0
    _9 = 0
    _10 = torch.gt(_8, 0)
    while _10:
      v = xs[_9]
      if torch.lt(v, 0):
        _11 = total
      else:
        total0 = torch.add(total, torch.mul(v, _9))
        _11 = total0
      _12 = torch.add(_9, 1)
      _13 = torch.__and__(torch.lt(_12, _8), True)
      _10, total, _9 = _13, _11, _12
    _14 = torch.items(d)
    total1 = total
    for _15 in range(torch.len(_14)):
      k, v0, = _14[_15]
      total1 = torch.sub(total1, v0)
    sq = annotate(List[int], [])
    for _16 in range(torch.len(xs)):
      x = xs[_16]
      _17 = torch.append(sq, torch.mul(x, x))
    _18 = annotate(List[str], [])
    for _19 in range(torch.len(sq)):
      q = sq[_19]
      _20 = torch.append(_18, str(q))
    s = torch.join("-", _18)
    return (total1, s)
class Impl(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.Impl,
    x: Tensor) -> Tensor:
    return torch.add(x, 1)
class Color(Enum):
  RED = 1
  GREEN = 2
class ModIface(ModuleInterface):
  def forward(self, x: Tensor) -> Tensor:
    pass
def work(x: Tensor,
    k: int) -> Tensor:
  return torch.mul(x, k)
