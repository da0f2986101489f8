# expect error: 6:3: unindent does not match any outer indentation level
# expect error: 9:5: unexpected indent
def f(x):
    if x:
        y = 1
  z = 2
    return y
x = 1
    y = 2
def g():
    return 3
