# Control flow as PyTorch's printer writes it: if/else with values flowing
# out, counted loops with carried variables, while loops re-testing their
# condition, early return from one branch.

# expect: 6
def test_for_range() -> int:
    s = 0
    for i in range(4):
        s = torch.add(s, i)
    return s

# expect: 12
def test_for_range_start_step() -> int:
    s = 0
    for i in range(1, 8, 3):
        s = s + i
    return s

# expect: 0
def test_for_zero_trips() -> int:
    s = 0
    for i in range(0):
        s = s + 100
    return s

# expect: (3, 8)
def test_while() -> Tuple[int, int]:
    n = 3
    k = 1
    c = 0
    _0 = torch.gt(n, 0)
    while _0:
        n1 = torch.sub(n, 1)
        k1 = torch.mul(k, 2)
        c1 = torch.add(c, 1)
        _0, n, k, c = torch.gt(n1, 0), n1, k1, c1
    return (c, k)

# expect: 'odd'
def test_if_else_value() -> str:
    x = 7
    if torch.eq(torch.remainder(x, 2), 0):
        r = "even"
    else:
        r = "odd"
    return r

# expect: 5
def test_if_without_else_keeps_outer() -> int:
    y = 5
    if torch.lt(y, 0):
        y = 0
    return y

# expect: -1
def test_early_return() -> int:
    x = -4
    if torch.lt(x, 0):
        return -1
    return x

# expect: 12
def test_nested_loops() -> int:
    t = 0
    for i in range(3):
        for j in range(4):
            t = t + 1
    return t

# expect: [0, 2, 4]
def test_list_in_loop() -> List[int]:
    out = annotate(List[int], [])
    for i in range(3):
        _1 = torch.append(out, torch.mul(i, 2))
    return out

# expect: True
def test_and_or_short_circuit() -> bool:
    xs = annotate(List[int], [])
    return torch.eq(torch.len(xs), 0) or torch.gt(xs[0], 1)

# expect: 3
def test_ternary() -> int:
    a = 3
    return a if torch.gt(a, 2) else 0

# expect: [5, 3, 1]
def test_range_negative_step() -> List[int]:
    out = annotate(List[int], [])
    for i in range(5, 0, -2):
        _0 = torch.append(out, i)
    return out

# expect error: range() arg 3 must not be zero
def test_range_zero_step() -> int:
    s = 0
    for i in range(0, 5, 0):
        s = s + i
    return s

# expect: [0, 1, 2]
def test_break() -> List[int]:
    out = annotate(List[int], [])
    for i in range(10):
        if i == 3:
            break
        out.append(i)
    return out

# expect: [0, 1, 3, 4]
def test_continue() -> List[int]:
    out = annotate(List[int], [])
    for i in range(5):
        if i == 2:
            continue
        out.append(i)
    return out

# expect: (4, 10)
def test_while_break_keeps_values() -> Tuple[int, int]:
    n = 0
    s = 0
    while n < 100:
        n += 1
        s = s + n
        if s > 6:
            break
    return (n, s)

# expect: 6
def test_nested_loops_break_inner_only() -> int:
    t = 0
    for i in range(3):
        for j in range(10):
            if j == 2:
                break
            t += 1
        t += 0
    return t

# expect error: 'break' outside a loop
def test_break_outside_loop() -> int:
    break
    return 1
