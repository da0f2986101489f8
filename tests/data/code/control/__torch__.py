class Ctl(Module):
  __parameters__ = ["w", ]
  __buffers__ = []
  w : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  names : List[str]
  scale : float
  def forward(self: __torch__.Ctl,
    x: Tensor,
    n: int=3,
    opt: Optional[Tensor]=None) -> Tuple[Tensor, Dict[str, int]]:
    y = x
    for i in range(n):
      _0 = torch.eq(torch.remainder(i, 2), 0)
      if _0:
        w = self.w
        y0 = torch.add(y, w)
      else:
        if torch.eq(i, 3):
          y1 = torch.sub(y, 1)
        else:
          y1 = torch.mul(y, 2.)
        y0 = y1
      y = y0
    y2 = y
    n0 = n
    _1 = torch.gt(n, 0)
    while _1:
      n1 = torch.sub(n0, 1)
      y3 = torch.relu(y2)
      if torch.eq(n1, 7):
        _2 = False
      else:
        _2 = torch.gt(n1, 0)
      _1, y2, n0 = _2, y3, n1
    if torch.__isnot__(opt, None):
      opt0 = unchecked_cast(Tensor, opt)
      y4 = torch.add(y2, opt0)
    else:
      y4 = y2
    d = annotate(Dict[str, int], {})
    names = self.names
    for _3 in range(torch.len(names)):
      k = names[_3]
      torch._set_item(d, k, torch.len(k))
    lst = annotate(List[int], [])
    for i0 in range(4):
      _4 = torch.append(lst, torch.mul(i0, 2))
    if torch.gt(torch.dim(x), 5):
      _5 = torch.format("too many dims: {} {}", torch.dim(x), "s")
      ops.prim.RaiseException(_5, "builtins.ValueError")
    else:
      pass
    if torch.ge(torch.numel(x), 0):
      pass
    else:
      ops.prim.RaiseException("AssertionError: bad")
    if torch.gt(torch.dim(y4), 1):
      _6 = torch.slice(torch.slice(y4), 1, 1, 3)
      z = _6
    else:
      z = torch.slice(y4, 0, 0, 1)
    z0 = torch.mul(z, -4.)
    scale = self.scale
    _7 = torch.add(torch.mul(z0, scale), float(lst[0]))
    return (_7, d)
