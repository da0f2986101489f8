# Builtins that the code of PyTorch 2.x archives calls: all / any over lists
# (aten::all.int, any.float, ...; an element is true when non-zero, a string
# when non-empty) and device.type (prim::type), which 2.x's attention code
# compares with "cpu" / "cuda".

# expect: (True, False, True)
def test_all_int() -> Tuple[bool, bool, bool]:
    return all([1, 2, -3]), all([1, 0, 2]), all(annotate(List[int], []))

# expect: (True, False, False)
def test_any_int() -> Tuple[bool, bool, bool]:
    return any([0, 0, 5]), any([0, 0]), any(annotate(List[int], []))

# expect: (True, False, True, False)
def test_all_any_float() -> Tuple[bool, bool, bool, bool]:
    return all([0.5, float("nan")]), all([1.0, 0.0]), any([0.0, -2.5]), any([0.0, -0.0])

# expect: (True, False, True, False)
def test_all_any_bool() -> Tuple[bool, bool, bool, bool]:
    return all([True, True]), all([True, False]), any([False, True]), any([False])

# expect: (True, False)
def test_any_str() -> Tuple[bool, bool]:
    return any(["", "a"]), any(["", ""])

# expect: 'cpu'
def test_device_type() -> str:
    x = torch.zeros([2])
    return x.device.type

# expect: True
def test_device_type_in_list() -> bool:
    x = torch.zeros([2])
    return x.device.type in ["cpu", "cuda", "privateuseone"]

# expect: 'cuda'
def test_device_type_of_named_device() -> str:
    return torch.device("cuda:1").type

# expect: True
def test_prim_type_as_printed() -> bool:
    x = torch.zeros([2])
    _1 = ops.prim.type(ops.prim.device(x))
    return torch.__contains__(["cpu", "cuda", "privateuseone"], _1)
