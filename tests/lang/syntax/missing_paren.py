# expect error: 7:18: '(' was never closed
# expect error: 11:1: expected an indented block after function definition on line 10
# expect error: 13:20: expected ':' but found newline

def forward(self, x):
    y = torch.relu(x)
    z = torch.add(y, x
    return z

def other(x):
return x

def third(x) -> int
    return 1

def fine(x):
    return x
