class Uses(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.Uses,
    x: Tensor) -> Tensor:
    p = __torch__.Point(x, 3)
    _0 = torch.mul(x, __torch__.helper(p, [1, 2, 3], ))
    return _0
def helper(p: __torch__.Point,
    a: List[int]) -> int:
  if torch.gt(torch.len(a), 0):
    _1 = torch.add((p)[1], torch.sum(a))
  else:
    _1 = -1
  return _1
class Point(NamedTuple):
  x : Tensor
  y : int
