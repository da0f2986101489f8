# An annotated empty list passed to an op keeps its identity: what was
# appended to it later is what the op sees (not a fresh empty list).

# expect: False
def test_all_of_appended_bools() -> bool:
    xs = annotate(List[bool], [])
    _0 = torch.append(xs, True)
    _1 = torch.append(xs, False)
    return torch.all(xs)


# expect: True
def test_any_of_appended_bools() -> bool:
    xs = annotate(List[bool], [])
    _0 = torch.append(xs, False)
    _1 = torch.append(xs, True)
    return torch.any(xs)


# expect: 0
def test_untyped_empty_list_takes_the_formal_type() -> int:
    return torch.dim(torch.zeros([]))
