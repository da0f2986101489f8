# Compile-time and run-time errors: each names the place and says what is wrong.

# expect error: undefined name 'y'
def test_undefined_name() -> int:
    return y

# expect error: unknown builtin op 'aten::frobnicate'
def test_unknown_op() -> int:
    return torch.frobnicate(1)

# expect error: no overload of aten::add accepts the arguments (int, str)
def test_no_overload() -> int:
    return torch.add(1, "a")

# expect error: builtins.ValueError: bad value 3
def test_raise() -> int:
    x = 3
    if torch.eq(x, 3):
        _0 = torch.format("bad value {}", x)
        ops.prim.RaiseException(_0, "builtins.ValueError")
    else:
        pass
    return x

# expect error: list index out of range
def test_index_out_of_range() -> int:
    xs = [1, 2]
    return xs[5]

# expect error: return value: expected a value of type int but found str
def test_wrong_return_type() -> int:
    return "a"

# expect error: errors.py:36:16: error: undefined name
def test_error_location() -> int:
    return 1 + zz
