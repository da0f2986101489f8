# torch.manual_seed and the random ops in compiled source: the values are
# PyTorch 1.13's for the same seed (printed to 4 digits, as repr prints). Sizes are
# lists: packing a single int into `int[] size` (torch.rand(3)) is the
# frontend's (match.c), which does it only for two or more ints so far.

# expect: tensor([0.4963, 0.7682, 0.0885])
def test_rand_after_seed() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand([3])

# expect: (tensor([0.3367, 0.1288, 0.2345, 0.2303]), tensor([50, 13, 78, 14]))
def test_randn_randint() -> Tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(42)
    x = torch.randn(2, 2)
    return x.flatten(), torch.randint(0, 100, [4])

# expect: (tensor([3, 0, 1, 5, 2, 4]), tensor([-0.2998, -1.1717,  0.5189]))
def test_randperm_uniform() -> Tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(7)
    return torch.randperm(6), torch.empty([3]).uniform_(-2.0, 2.0)

# the second randn starts with the sample the first one cached
# expect: (tensor([ 1.5410, -0.2934, -2.1788]), tensor([0.5684]))
def test_cached_normal_sample() -> Tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.randn([3]), torch.randn([1])

# expect: tensor([ 0.0132,  0.0053,  0.0012,  0.0124, -0.0090, -0.0033])
def test_normal_in_place() -> torch.Tensor:
    torch.manual_seed(1)
    w = torch.empty([6])
    w.normal_(0.0, 0.02)
    return w

# expect: tensor([0., 1., 0., 0., 0., 1.])
def test_bernoulli() -> torch.Tensor:
    torch.manual_seed(5)
    return torch.bernoulli(torch.full([6], 0.5))

# expect: True
def test_seed_resets() -> bool:
    torch.manual_seed(9)
    a = torch.rand([4])
    torch.manual_seed(9)
    return bool((a == torch.rand([4])).all())

# expect error: normal expects std >= 0.0
def test_negative_std() -> torch.Tensor:
    return torch.empty([3]).normal_(0.0, -1.0)
