# expect error: 9:5: cannot assign to function call
# expect error: 10:5: only single target (not tuple) can be annotated
# expect error: 11:5: illegal expression for augmented assignment
# expect error: 12:12: cannot delete literal
# expect error: 13:17: positional argument follows keyword argument
# expect error: 14:16: non-default argument follows default argument
# expect error: 16:10: unmatched ')'
def f(a, b):
    f(a) = 1
    a, b : int = 1, 2
    (a, b) += 1
    del a, 1
    g(a, key=1, b)
    def h(a=1, b):
        pass
    x = a)
    return a
