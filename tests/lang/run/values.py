# Literals, containers, Optional and the special forms of the printed dialect.

# expect: (1, 2.5, 'a', True, None)
def test_literals() -> Tuple[int, float, str, bool, None]:
    return (1, 2.5, "a", True, None)

# expect: {'a': 1, 'b': 2}
def test_dict() -> Dict[str, int]:
    d = {"a": 1}
    d["b"] = 2
    return d

# expect: 3
def test_dict_items_loop() -> int:
    d = {"x": 1, "y": 2}
    _2 = torch.items(d)
    total = 0
    for _3 in range(torch.len(_2)):
        k, v, = _2[_3]
        total = torch.add(total, v)
    return total

# expect: 4
def test_optional_unchecked_cast() -> int:
    x = annotate(Optional[int], 4)
    if torch.__isnot__(x, None):
        x0 = unchecked_cast(int, x)
        r = x0
    else:
        r = 0
    return r

# expect: 0
def test_uninitialized_branch() -> int:
    c = 0
    if torch.eq(c, 1):
        ops.prim.RaiseException("AssertionError: ", "builtins.AssertionError")
        y = uninitialized(int)
    else:
        y = c
    return y

# expect: (2, 3)
def test_tuple_index_and_slice() -> Tuple[int, int]:
    t = (1, 2, 3)
    return (t)[1:3]

# expect: 'x=3 y=[1, 2]'
def test_format() -> str:
    return torch.format("x={} y={}", 3, [1, 2])

# expect: [3, 2]
def test_list_ops() -> List[int]:
    xs = [1, 2, 3]
    ys = torch.slice(xs, 1)
    return [ys[1], torch.len(ys)]

# expect: inf
def test_inf() -> float:
    return inf

# expect: True
def test_isinstance_static() -> bool:
    return isinstance(3, int)

# expect: [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
def test_tolist_takes_the_annotation() -> List[List[float]]:
    t = torch.zeros([2, 3])
    return annotate(List[List[float]], t.tolist())

# expect error: tolist() needs its result type
def test_tolist_without_annotation() -> int:
    t = torch.zeros([2])
    x = t.tolist()
    return 0

# expect: 1
def test_annotate_converts_tensor_to_int() -> int:
    return annotate(int, torch.ones([], dtype=4))

# expect error: Cannot input a tensor of type Float as an integral argument
def test_annotate_int_refuses_a_float_tensor() -> int:
    return annotate(int, torch.ones([]))

# expect: {'a': 1, 'b': 2}
def test_dict_from_pairs() -> Dict[str, int]:
    return dict([("a", 1), ("b", 2)])

class Point:
    x : int
    def __init__(self: __torch__.Point, x: int) -> NoneType:
        self.x = x

# expect: 3
def test_object_construction() -> int:
    p = __torch__.Point.__new__(__torch__.Point)
    _0 = (p).__init__(3, )
    return p.x

# expect: [2, 3]
def test_list_slice_syntax() -> List[int]:
    xs = [1, 2, 3]
    return xs[1:]

# expect: [3, 1]
def test_list_slice_step() -> List[int]:
    xs = [1, 2, 3]
    return xs[::-2]

# expect: tensor([1., 1.])
def test_tensor_index_syntax() -> Tensor:
    t = torch.ones([2, 3])
    return t[:, 1]
