/*
 * test_parser.c - the TorchScript parser (frontend/parser.h): AST dumps for
 * every construct, operator precedence, the printed forms of archive code,
 * real code/ files of archives (tests/data/code), syntax errors with exact
 * messages and carets, error recovery, limits, the language test files in
 * tests/lang/syntax (`# expect error: L:C: message`) and the fuzzer's
 * regression inputs (tests/fuzz/regress/parser).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "frontend/parser.h"

/* ---- helpers ---- */

static Ctx *new_ctx(void) {
    Ctx *ctx = ts_xmalloc(sizeof *ctx);
    memset(ctx, 0, sizeof *ctx);
    sb_init(&ctx->msg);
    sb_init(&ctx->traceback);
    return ctx;
}

static void free_ctx(Ctx *ctx) {
    ctx_dispose(ctx);
    ts_free(ctx);
}

/* Parse text as a file named t.py: the module dump (one statement per line,
 * no final newline), or the error message. Heap string. */
static char *dump_n(const char *text, size_t len) {
    Source *src = source_new("t.py", text, len);
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    StrBuf sb;
    sb_init(&sb);
    if (parse_file(ctx, &arena, src, &m) == TS_OK) {
        assert_int_equal(ctx->status, TS_OK);
        ast_print_module(&sb, m);
        if (sb.len > 0) sb.data[--sb.len] = 0;
    } else {
        assert_null(m);
        assert_int_equal(ctx->status, TS_ERR_SYNTAX);
        sb_puts(&sb, sb_cstr(&ctx->msg));
    }
    if (!sb.data) sb_puts(&sb, "");
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
    return sb_steal(&sb);
}

static char *dump(const char *text) { return dump_n(text, strlen(text)); }

/* Parse text with parse_expression. */
static char *dump_expr(const char *text) {
    Source *src = source_new("e.py", text, strlen(text));
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    Ast *e;
    StrBuf sb;
    sb_init(&sb);
    if (parse_expression(ctx, &arena, src, &e) == TS_OK) ast_print(&sb, e);
    else sb_puts(&sb, sb_cstr(&ctx->msg));
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
    return sb_steal(&sb);
}

#define assert_dump(text, want)                 \
    do {                                        \
        char *got_ = dump(text);                \
        assert_string_equal(got_, want);        \
        ts_free(got_);                          \
    } while (0)

/* `x = <e>` must dump as `(= x <want>)`. */
#define assert_expr(e, want)                    \
    do {                                        \
        char *got_ = dump("x = " e "\n");       \
        assert_string_equal(got_, "(= x " want ")"); \
        ts_free(got_);                          \
    } while (0)

/* Parsing must fail with exactly this message. */
#define assert_error(text, want) assert_dump(text, want)


/* ---- expressions ---- */

static void atoms(void **state) {
    (void)state;
    assert_expr("y", "y");
    assert_expr("12", "12");
    assert_expr("0x10", "16");
    assert_expr("2.", "2.0");
    assert_expr("0.10000000000000001", "0.1");
    assert_expr("1e-05", "1e-05");
    assert_expr("2j", "2.0j");
    assert_expr("'a' \"b\" '''c'''", "\"abc\"");
    assert_expr("True", "True");
    assert_expr("False", "False");
    assert_expr("None", "None");
    assert_expr("...", "...");
    assert_expr("NoneType", "NoneType");
    assert_expr("inf", "inf");
    assert_expr("(y)", "y");
    assert_expr("((y))", "y");
}

static void numbers_negative_literals(void **state) {
    (void)state;
    assert_expr("-1", "-1");
    assert_expr("- 1", "-1");
    assert_expr("-2.5", "-2.5");
    assert_expr("-0.", "-0.0");
    assert_expr("--1", "1");
    assert_expr("-(1)", "-1");
    assert_expr("+1", "(+ 1)");
    assert_expr("-x", "(- x)");
    assert_expr("-2j", "-2.0j");
    assert_expr("1.5-2.j", "(- 1.5 2.0j)");
    assert_expr("-9223372036854775808", "-9223372036854775808");
    assert_expr("9223372036854775807", "9223372036854775807");
    assert_expr("-inf", "(- inf)");
}

static void literal_text_is_kept(void **state) {
    (void)state;
    const char *text = "x = (1_000, 0x1F, -2., 1e3j, -9223372036854775808)\n";
    Source *src = source_new("t.py", text, strlen(text));
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    assert_int_equal(parse_file(ctx, &arena, src, &m), TS_OK);
    Ast *t = m->body.items[0]->assign.value;
    assert_int_equal(t->kind, AST_TUPLE);
    Ast **e = t->seq.elts.items;
    assert_int_equal(e[0]->kind, AST_INT);
    assert_int_equal(e[0]->int_lit.value, 1000);
    assert_string_equal(e[0]->int_lit.text, "1_000");
    assert_string_equal(e[1]->int_lit.text, "0x1F");
    assert_int_equal(e[2]->kind, AST_FLOAT);
    assert_true(e[2]->float_lit.value == -2.0);
    assert_string_equal(e[2]->float_lit.text, "-2.");
    assert_int_equal(e[3]->kind, AST_IMAG);
    assert_true(e[3]->float_lit.value == 1000.0);
    assert_int_equal(e[4]->int_lit.value, INT64_MIN);
    assert_string_equal(e[4]->int_lit.text, "-9223372036854775808");
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
}

static void strings_with_nul(void **state) {
    (void)state;
    Source *src = source_new("t.py", "s = 'a\\x00b' 'c'\n", 17);
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    assert_int_equal(parse_file(ctx, &arena, src, &m), TS_OK);
    Ast *s = m->body.items[0]->assign.value;
    assert_int_equal(s->kind, AST_STR);
    assert_int_equal(s->str.len, 4);
    assert_memory_equal(s->str.data, "a\0bc", 5);
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
}

static void precedence(void **state) {
    (void)state;
    /* ** binds tighter than a unary minus on its left, and its right side is unary */
    assert_expr("-2**2", "(- (** 2 2))");
    assert_expr("2**-1", "(** 2 -1)");
    assert_expr("2**-x", "(** 2 (- x))");
    assert_expr("2**3**2", "(** 2 (** 3 2))");
    assert_expr("-x**y", "(- (** x y))");
    assert_expr("a.b**c", "(** (attr a b) c)");
    /* left associativity within a level */
    assert_expr("a-b-c", "(- (- a b) c)");
    assert_expr("a/b*c//d%e@f", "(@ (% (// (* (/ a b) c) d) e) f)");
    /* levels, low to high */
    assert_expr("a+b*c", "(+ a (* b c))");
    assert_expr("a*b+c", "(+ (* a b) c)");
    assert_expr("-a*b", "(* (- a) b)");
    assert_expr("~a+b", "(+ (~ a) b)");
    assert_expr("a<<b+c", "(<< a (+ b c))");
    assert_expr("a>>b<<c", "(<< (>> a b) c)");
    assert_expr("a&b<<c", "(& a (<< b c))");
    assert_expr("a^b&c", "(^ a (& b c))");
    assert_expr("a|b^c", "(| a (^ b c))");
    assert_expr("a==b|c", "(== a (| b c))");
    assert_expr("not a==b", "(not (== a b))");
    assert_expr("not a and b", "(and (not a) b)");
    assert_expr("a and not b", "(and a (not b))");
    assert_expr("not not a", "(not (not a))");
    assert_expr("a or b and c", "(or a (and b c))");
    assert_expr("a and b or c", "(or (and a b) c)");
    assert_expr("a or b or c", "(or (or a b) c)");
    assert_expr("a if b else c", "(ifexp b a c)");
    assert_expr("a if b else c if d else e", "(ifexp b a (ifexp d c e))");
    assert_expr("a or b if c or d else e", "(ifexp (or c d) (or a b) e)");
    assert_expr("lambda: a if b else c", "(lambda (params) (ifexp b a c))");
    /* parentheses override */
    assert_expr("(a+b)*c", "(* (+ a b) c)");
    assert_expr("(-2)**2", "(** -2 2)");
}

static void comparisons(void **state) {
    (void)state;
    assert_expr("a < b", "(< a b)");
    assert_expr("a < b < c", "(cmp a < b < c)");
    assert_expr("a == b != c <= d >= e > f", "(cmp a == b != c <= d >= e > f)");
    assert_expr("a is None", "(is a None)");
    assert_expr("a is not None", "(is-not a None)");
    assert_expr("a in b", "(in a b)");
    assert_expr("a not in b", "(not-in a b)");
    assert_expr("a not in b is not c", "(cmp a not-in b is-not c)");
    assert_expr("a is (not b)", "(is a (not b))");
    assert_expr("a < b == c and d", "(and (cmp a < b == c) d)");
}

static void trailers(void **state) {
    (void)state;
    assert_expr("a.b.c", "(attr (attr a b) c)");
    assert_expr("f()", "(call f)");
    assert_expr("f(a, b, )", "(call f a b)");
    assert_expr("(self).forward(x, )", "(call (attr self forward) x)");
    assert_expr("f(a, *b, k=1, **d)", "(call f a (* b) (kw k 1) (** d))");
    assert_expr("f(k=1, *b)", "(call f (* b) (kw k 1))");
    assert_expr("f(x for x in y)", "(call f (genexp x (for x y)))");
    assert_expr("f(a == b)", "(call f (== a b))");
    assert_expr("torch.zeros([2, 3], dtype=7, layout=None, device=torch.device(\"cpu\"))",
                "(call (attr torch zeros) (list 2 3) (kw dtype 7) (kw layout None) "
                "(kw device (call (attr torch device) \"cpu\")))");
    assert_expr("x[0]", "(index x 0)");
    assert_expr("x[0][1]", "(index (index x 0) 1)");
    assert_expr("(t)[0:2]", "(index t (slice 0 2 _))");
    assert_expr("x[:, 1:3, None, ...]", "(index x (slice _ _ _) (slice 1 3 _) None ...)");
    assert_expr("x[::2]", "(index x (slice _ _ 2))");
    assert_expr("x[a:]", "(index x (slice a _ _))");
    assert_expr("x[:-1]", "(index x (slice _ -1 _))");
    assert_expr("x[1:2:3, ::]", "(index x (slice 1 2 3) (slice _ _ _))");
    assert_expr("x[1,]", "(index x 1 ,)");
    assert_expr("x[1, 2]", "(index x 1 2)");
    assert_expr("x[(1, 2)]", "(index x (tuple 1 2))");
    assert_expr("x[*a]", "(index x (* a))");
    assert_expr("d[\"k\"].v(1)[2]", "(index (call (attr (index d \"k\") v) 1) 2)");
    assert_expr("Tuple[()]", "(index Tuple (tuple))");
    assert_expr("Dict[str, List[Tensor]]", "(index Dict str (index List Tensor))");
    assert_expr("__torch__.torch.nn.modules.conv.___torch_mangle_1.Conv2d",
                "(attr (attr (attr (attr (attr (attr __torch__ torch) nn) modules) conv) "
                "___torch_mangle_1) Conv2d)");
}

static void displays(void **state) {
    (void)state;
    assert_expr("()", "(tuple)");
    assert_expr("(1,)", "(tuple 1)");
    assert_expr("(1, 2.5)", "(tuple 1 2.5)");
    assert_expr("1, 2", "(tuple 1 2)");
    assert_expr("1,", "(tuple 1)");
    assert_expr("[]", "(list)");
    assert_expr("[1, 2, ]", "(list 1 2)");
    assert_expr("[*a, b]", "(list (* a) b)");
    assert_expr("{}", "(dict)");
    assert_expr("{\"a\": x, 1: 2,}", "(dict (\"a\" x) (1 2))");
    assert_expr("{**a, 'b': 1}", "(dict (** a) (\"b\" 1))");
    assert_expr("{1, 2}", "(set 1 2)");
    assert_expr("{1}", "(set 1)");
    assert_expr("{*a}", "(set (* a))");
    assert_expr("[x for x in y]", "(listcomp x (for x y))");
    assert_expr("[a for b in c if d if e for f, g in h]",
                "(listcomp a (for b c (if d) (if e)) (for (tuple f g) h))");
    assert_expr("[a if b else c for d in e]", "(listcomp (ifexp b a c) (for d e))");
    assert_expr("[x for x in a or b]", "(listcomp x (for x (or a b)))");
    assert_expr("{k: v for k, v in d.items()}", "(dictcomp k v (for (tuple k v) (call (attr d items))))");
    assert_expr("{x for x in y}", "(setcomp x (for x y))");
    assert_expr("(x for x in y)", "(genexp x (for x y))");
    assert_expr("[[1, 2], [3]]", "(list (list 1 2) (list 3))");
}

static void lambdas(void **state) {
    (void)state;
    assert_expr("lambda: 0", "(lambda (params) 0)");
    assert_expr("lambda x, y=1, *a, k, **kw: x + y",
                "(lambda (params (x) (y _ 1) (*a) (kwonly k) (**kw)) (+ x y))");
}

/* ---- statements ---- */

static void simple_statements(void **state) {
    (void)state;
    assert_dump("f(x)\n", "(expr (call f x))");
    /* an f-string is one FSTR node holding the template; plain literals beside it keep literal braces */
    assert_dump("s = f'{x}' '{'\n", "(= s (fstr \"{x}{{\"))");
    assert_dump("s = 'a{' 'b'\n", "(= s \"a{b\")");
    assert_dump("a = b = c\n", "(= a b c)");
    assert_dump("a, b = 1, 2\n", "(= (tuple a b) (tuple 1 2))");
    assert_dump("a, b, = x\n", "(= (tuple a b) x)");
    assert_dump("a, = e\n", "(= (tuple a) e)");
    assert_dump("(a, b) = [c, d] = e\n", "(= (tuple a b) (list c d) e)");
    assert_dump("a, *b = c\n", "(= (tuple a (* b)) c)");
    assert_dump("self.count = x[i] = 1\n", "(= (attr self count) (index x i) 1)");
    assert_dump("x : int\n", "(: x int)");
    assert_dump("x : Optional[bool] = _24\n", "(: x (index Optional bool) _24)");
    assert_dump("self.x : int = 1\n", "(: (attr self x) int 1)");
    assert_dump("_3 : __torch__.X = self.layers[i]\n",
                "(: _3 (attr __torch__ X) (index (attr self layers) i))");
    assert_dump("x += 1\n", "(+= x 1)");
    assert_dump("x -= 1; x *= 2; x /= 3; x //= 4; x %= 5; x **= 6; x @= 7\n",
                "(-= x 1)\n(*= x 2)\n(/= x 3)\n(//= x 4)\n(%= x 5)\n(**= x 6)\n(@= x 7)");
    assert_dump("x <<= 1; x >>= 2; x &= 3; x |= 4; x ^= 5;\n",
                "(<<= x 1)\n(>>= x 2)\n(&= x 3)\n(|= x 4)\n(^= x 5)");
    assert_dump("self.n[0] += 1\n", "(+= (index (attr self n) 0) 1)");
    assert_dump("return\n", "(return)");
    assert_dump("return x\n", "(return x)");
    assert_dump("return a, b\n", "(return (tuple a b))");
    assert_dump("raise\n", "(raise)");
    assert_dump("raise ValueError(\"x\")\n", "(raise (call ValueError \"x\"))");
    assert_dump("raise E from e\n", "(raise E (from e))");
    assert_dump("assert x\n", "(assert x)");
    assert_dump("assert x, \"msg\"\n", "(assert x \"msg\")");
    assert_dump("pass\nbreak\ncontinue\n", "(pass)\n(break)\n(continue)");
    assert_dump("del a, b[0], c.d\n", "(del a (index b 0) (attr c d))");
    assert_dump("del (a, b), [c]\n", "(del (tuple a b) (list c))");
    assert_dump("global a, b\nnonlocal c\n", "(global a b)\n(nonlocal c)");
    assert_dump("\"\"\"doc\"\"\"\n", "(expr \"doc\")");
    assert_dump("op_version_set = 8\n", "(= op_version_set 8)");
    assert_dump("ops.prim.RaiseException(\"AssertionError: \")\n",
                "(expr (call (attr (attr ops prim) RaiseException) \"AssertionError: \"))");
}

static void compound_statements(void **state) {
    (void)state;
    assert_dump("if a:\n  b\n", "(if a (body (expr b)))");
    assert_dump("if a:\n  b\nelse:\n  pass\n", "(if a (body (expr b)) (else (pass)))");
    assert_dump("if a:\n  b\nelif c:\n  d\nelif e:\n  f\nelse:\n  g\n",
                "(if a (body (expr b)) (elif c (body (expr d)) (elif e (body (expr f)) (else (expr g)))))");
    assert_dump("if a: b; c\n", "(if a (body (expr b) (expr c)))");
    assert_dump("while _1:\n  n1 = torch.sub(n0, 1)\n  _1, y2, n0 = torch.gt(n1, 0), y2, n1\n",
                "(while _1 (body (= n1 (call (attr torch sub) n0 1)) "
                "(= (tuple _1 y2 n0) (tuple (call (attr torch gt) n1 0) y2 n1))))");
    assert_dump("while x:\n  break\nelse:\n  pass\n", "(while x (body (break)) (else (pass)))");
    assert_dump("for i in range(n):\n  pass\n", "(for i (call range n) (body (pass)))");
    assert_dump("for k, v0, in _1:\n  pass\n", "(for (tuple k v0) _1 (body (pass)))");
    assert_dump("for (a, b), *c in x, y:\n  pass\nelse:\n  pass\n",
                "(for (tuple (tuple a b) (* c)) (tuple x y) (body (pass)) (else (pass)))");
    assert_dump("for x in a if c else b:\n  pass\n", "(for x (ifexp c a b) (body (pass)))");
    assert_dump("with a:\n  pass\n", "(with (item a) (body (pass)))");
    assert_dump("with torch.no_grad() as g, b as (c, d):\n  pass\n",
                "(with (item (call (attr torch no_grad)) g) (item b (tuple c d)) (body (pass)))");
    /* nested blocks and dedent by several levels */
    assert_dump("if a:\n  if b:\n    if c:\n      d\ne\n",
                "(if a (body (if b (body (if c (body (expr d)))))))\n(expr e)");
}

static void function_defs(void **state) {
    (void)state;
    assert_dump("def forward(self, x: Tensor) -> Tensor:\n    return torch.relu(x)\n",
                "(def forward (params (self) (x Tensor)) (ret Tensor) (body (return (call (attr torch relu) x))))");
    assert_dump("def f(self: __torch__.M,\n    x: Tensor,\n    n: int=3,\n    p: List[int]=[0, 0]) -> NoneType:\n  return None\n",
                "(def f (params (self (attr __torch__ M)) (x Tensor) (n int 3) (p (index List int) (list 0 0))) "
                "(ret NoneType) (body (return None)))");
    assert_dump("def f(a, /, b, *, c, d=1, **kw):\n  pass\n",
                "(def f (params (posonly a) (b) (kwonly c) (kwonly d _ 1) (**kw)) (body (pass)))");
    assert_dump("def f(*args: int, **kwargs: str): pass\n",
                "(def f (params (*args int) (**kwargs str)) (body (pass)))");
    assert_dump("def f(a=1, *b, c):\n  pass\n", "(def f (params (a _ 1) (*b) (kwonly c)) (body (pass)))");
    assert_dump("@torch.jit.export\n@torch.jit.ignore(drop=True)\ndef f():\n  pass\n",
                "(def f (decorators (attr (attr torch jit) export) "
                "(call (attr (attr torch jit) ignore) (kw drop True))) (params) (body (pass)))");
    /* nested def, as printed for fork */
    assert_dump("def g(x):\n  def __forked_function():\n    return torch.neg(x)\n  fut = fork(__forked_function)\n",
                "(def g (params (x)) (body (def __forked_function (params) (body (return (call (attr torch neg) x)))) "
                "(= fut (call fork __forked_function))))");
}

static void class_defs(void **state) {
    (void)state;
    assert_dump("class Conv2d(Module):\n"
                "  __parameters__ = [\"weight\", \"bias\", ]\n"
                "  __buffers__ = []\n"
                "  weight : Tensor\n"
                "  bias : Optional[Tensor]\n"
                "  __annotations__[\"0\"] = __torch__.L\n"
                "  padding : Final[Tuple[int, int]] = (3, 3)\n"
                "  def forward(self: __torch__.Conv2d,\n"
                "    input: Tensor) -> Tensor:\n"
                "    return (self)._conv_forward(input, )\n",
                "(class Conv2d (bases Module) (body (= __parameters__ (list \"weight\" \"bias\")) "
                "(= __buffers__ (list)) (: weight Tensor) (: bias (index Optional Tensor)) "
                "(= (index __annotations__ \"0\") (attr __torch__ L)) "
                "(: padding (index Final (index Tuple int int)) (tuple 3 3)) "
                "(def forward (params (self (attr __torch__ Conv2d)) (input Tensor)) (ret Tensor) "
                "(body (return (call (attr self _conv_forward) input))))))");
    assert_dump("class Color(Enum):\n  RED = 1\n  BLUE = \"b\"\n",
                "(class Color (bases Enum) (body (= RED 1) (= BLUE \"b\")))");
    assert_dump("class P(NamedTuple):\n  x : Tensor\n  y : int = 3\n",
                "(class P (bases NamedTuple) (body (: x Tensor) (: y int 3)))");
    assert_dump("class I(ModuleInterface):\n  def forward(self, x: Tensor) -> Tensor:\n    pass\n",
                "(class I (bases ModuleInterface) (body (def forward (params (self) (x Tensor)) (ret Tensor) (body (pass)))))");
    assert_dump("class C:\n  pass\nclass D():\n  pass\n", "(class C (body (pass)))\n(class D (body (pass)))");
    assert_dump("@torch.jit.script\nclass M(nn.Module, metaclass=Meta):\n  \"\"\"Doc.\"\"\"\n  w: Tensor\n",
                "(class M (decorators (attr (attr torch jit) script)) (bases (attr nn Module)) "
                "(keywords (kw metaclass Meta)) (body (expr \"Doc.\") (: w Tensor)))");
}

static void docstrings(void **state) {
    (void)state;
    const char *text = "\"\"\"Module doc.\"\"\"\nclass C:\n  'Class doc.'\n  def f(self):\n    \"\"\"F doc.\"\"\"\n    return 1\n"
                       "def g():\n  x = 1\n";
    Source *src = source_new("t.py", text, strlen(text));
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    assert_int_equal(parse_file(ctx, &arena, src, &m), TS_OK);
    assert_non_null(m->doc);
    assert_string_equal(m->doc->str.data, "Module doc.");
    Ast *c = m->body.items[1];
    assert_int_equal(c->kind, AST_CLASSDEF);
    assert_string_equal(c->classdef.doc->str.data, "Class doc.");
    Ast *f = c->classdef.body.items[1];
    assert_int_equal(f->kind, AST_FUNCDEF);
    assert_string_equal(f->funcdef.doc->str.data, "F doc.");
    assert_int_equal(f->funcdef.body.len, 2); /* the docstring stays in the body */
    assert_null(m->body.items[2]->funcdef.doc);
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
}

static void imports(void **state) {
    (void)state;
    assert_dump("import torch\nimport torch.nn as nn, math\n", "(import torch)\n(import (as torch.nn nn) math)");
    assert_dump("from typing import List, Dict as D\n", "(from typing List (as Dict D))");
    assert_dump("from . import x\nfrom ..a.b import (c, d,)\nfrom ...m import *\n",
                "(from . x)\n(from ..a.b c d)\n(from ...m *)");
}

static void spans_and_fields(void **state) {
    (void)state;
    const char *text = "def f(x):\n    if x:\n        return g(x, 1)\n    elif y:\n        pass\n";
    Source *src = source_new("t.py", text, strlen(text));
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    assert_int_equal(parse_file(ctx, &arena, src, &m), TS_OK);
    Ast *f = m->body.items[0];
    int line, col;
    assert_string_equal(f->funcdef.name, "f");
    source_line_col(src, f->funcdef.name_span.start, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 5);
    Ast *iff = f->funcdef.body.items[0];
    assert_int_equal(iff->kind, AST_IF);
    assert_false(iff->if_.elif);
    assert_true(iff->if_.orelse.items[0]->if_.elif);
    Ast *call = iff->if_.body.items[0]->return_.value;
    assert_int_equal(call->kind, AST_CALL);
    source_line_col(src, call->span.start, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 16);
    assert_int_equal(call->span.end - call->span.start, strlen("g(x, 1)"));
    /* a compound statement's span covers its body */
    source_line_col(src, iff->span.end, &line, &col);
    assert_int_equal(line, 5);
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
}

static void parse_expression_entry(void **state) {
    (void)state;
    char *s = dump_expr("Dict[str, List[Tensor]]");
    assert_string_equal(s, "(index Dict str (index List Tensor))");
    ts_free(s);
    s = dump_expr("Tuple[int, Optional[__torch__.Foo]]\n\n");
    assert_string_equal(s, "(index Tuple int (index Optional (attr __torch__ Foo)))");
    ts_free(s);
    s = dump_expr("List[int] x");
    assert_string_equal(s, "e.py:1:11: error: expected end of expression but found identifier 'x'\n"
                           "    List[int] x\n              ^\n");
    ts_free(s);
    s = dump_expr("");
    assert_string_equal(s, "e.py:1:1: error: expected expression but found end of file\n    \n    ^\n");
    ts_free(s);
}

/* ---- errors ---- */

static void errors_expected(void **state) {
    (void)state;
    assert_error("x = (1 2)\n",
                 "t.py:1:8: error: expected ')' but found number '2'\n    x = (1 2)\n           ^\n");
    assert_error("def f(x):\n    return x +\n",
                 "t.py:2:15: error: expected expression but found newline\n        return x +\n                  ^\n");
    assert_error("if x\n  pass\n", "t.py:1:5: error: expected ':' but found newline\n    if x\n        ^\n");
    assert_error("x = foo(1, 2\n",
                 "t.py:1:8: error: '(' was never closed\n    x = foo(1, 2\n           ^\n");
    assert_error("x = [1, 2\ny = 3\n", "t.py:1:5: error: '[' was never closed\n    x = [1, 2\n        ^\n");
    assert_error("x = a b\n", "t.py:1:7: error: expected newline but found identifier 'b'\n    x = a b\n          ^\n");
    assert_error("x = 1)\n", "t.py:1:6: error: unmatched ')'\n    x = 1)\n         ^\n");
    assert_error("x.1\n", "t.py:1:2: error: expected newline but found number '.1'\n    x.1\n     ^~\n");
    assert_error("x = y.\n", "t.py:1:7: error: expected attribute name but found newline\n    x = y.\n          ^\n");
    assert_error("for x y in z:\n  pass\n",
                 "t.py:1:7: error: expected 'in' but found identifier 'y'\n    for x y in z:\n          ^\n");
    assert_error("x = a if b\n", "t.py:1:11: error: expected 'else' but found newline\n    x = a if b\n              ^\n");
    assert_error("def (x):\n  pass\n",
                 "t.py:1:5: error: expected function name but found '('\n    def (x):\n        ^\n");
    assert_error("def f():\nreturn 1\n",
                 "t.py:2:1: error: expected an indented block after function definition on line 1\n    return 1\n    ^~~~~~\n");
    assert_error("class C:\n\nx = 1\n",
                 "t.py:3:1: error: expected an indented block after class definition on line 1\n    x = 1\n    ^\n");
    assert_error("  x = 1\n", "t.py:1:3: error: unexpected indent\n      x = 1\n      ^\n");
    assert_error("@dec\nx = 1\n",
                 "t.py:2:1: error: expected 'def' or 'class' after decorator but found identifier 'x'\n    x = 1\n    ^\n");
    assert_error("else:\n  pass\n", "t.py:1:1: error: unexpected 'else'\n    else:\n    ^~~~\n");
    assert_error("elif x:\n  pass\n", "t.py:1:1: error: 'elif' without a matching 'if'\n    elif x:\n    ^~~~\n");
    assert_error("x = lambda\n", "t.py:1:11: error: expected ':' but found newline\n    x = lambda\n              ^\n");
    assert_error("x = *\n", "t.py:1:6: error: expected expression but found newline\n    x = *\n         ^\n");
}

static void errors_semantic_syntax(void **state) {
    (void)state;
    assert_error("f() = 1\n", "t.py:1:1: error: cannot assign to function call\n    f() = 1\n    ^~~\n");
    assert_error("1 = x\n", "t.py:1:1: error: cannot assign to literal\n    1 = x\n    ^\n");
    assert_error("a + b = c\n", "t.py:1:1: error: cannot assign to expression\n    a + b = c\n    ^~~~~\n");
    assert_error("None = 1\n", "t.py:1:1: error: cannot assign to None\n    None = 1\n    ^~~~\n");
    assert_error("a, f() = 1, 2\n", "t.py:1:4: error: cannot assign to function call\n    a, f() = 1, 2\n       ^~~\n");
    assert_error("*a = b\n",
                 "t.py:1:1: error: starred assignment target must be in a list or tuple\n    *a = b\n    ^~\n");
    assert_error("for f() in x:\n  pass\n",
                 "t.py:1:5: error: cannot assign to function call\n    for f() in x:\n        ^~~\n");
    assert_error("a, b : int = 1, 2\n",
                 "t.py:1:1: error: only single target (not tuple) can be annotated\n    a, b : int = 1, 2\n    ^~~~\n");
    assert_error("f() : int\n", "t.py:1:1: error: illegal target for annotation\n    f() : int\n    ^~~\n");
    assert_error("a, b += 1\n",
                 "t.py:1:1: error: illegal expression for augmented assignment\n    a, b += 1\n    ^~~~\n");
    assert_error("del f()\n", "t.py:1:5: error: cannot delete function call\n    del f()\n        ^~~\n");
    assert_error("f(a=1, b)\n",
                 "t.py:1:8: error: positional argument follows keyword argument\n    f(a=1, b)\n           ^\n");
    assert_error("f(**a, b)\n",
                 "t.py:1:8: error: positional argument follows keyword argument unpacking\n    f(**a, b)\n           ^\n");
    assert_error("f(**a, *b)\n",
                 "t.py:1:8: error: iterable argument unpacking follows keyword argument unpacking\n    f(**a, *b)\n           ^\n");
    assert_error("f(x for x in y, 1)\n",
                 "t.py:1:3: error: generator expression must be parenthesized\n    f(x for x in y, 1)\n      ^~~~~~~~~~~~\n");
    assert_error("def f(a=1, b):\n  pass\n",
                 "t.py:1:12: error: non-default argument follows default argument\n    def f(a=1, b):\n               ^\n");
    assert_error("def f(*, **k):\n  pass\n",
                 "t.py:1:7: error: named arguments must follow bare *\n    def f(*, **k):\n          ^\n");
    assert_error("def f(**k, a):\n  pass\n",
                 "t.py:1:12: error: arguments cannot follow var-keyword argument\n    def f(**k, a):\n               ^\n");
    assert_error("def f(*a, *b):\n  pass\n",
                 "t.py:1:11: error: * argument may appear only once\n    def f(*a, *b):\n              ^\n");
    assert_error("def f(/):\n  pass\n",
                 "t.py:1:7: error: at least one argument must precede /\n    def f(/):\n          ^\n");
    assert_error("def f(*a=1):\n  pass\n",
                 "t.py:1:9: error: var-positional argument cannot have default value\n    def f(*a=1):\n            ^\n");
    assert_error("x = 9223372036854775808\n",
                 "t.py:1:5: error: integer literal does not fit in int64\n    x = 9223372036854775808\n        ^~~~~~~~~~~~~~~~~~~\n");
    assert_error("x = -9223372036854775808 ** 2\n",
                 "t.py:1:6: error: integer literal does not fit in int64\n    x = -9223372036854775808 ** 2\n         ^~~~~~~~~~~~~~~~~~~\n");
}

static void errors_unsupported(void **state) {
    (void)state;
    assert_error("try:\n  x = 1\nexcept E:\n  pass\nelse:\n  pass\nfinally:\n  pass\ny = 1\n",
                 "t.py:1:1: error: try blocks are not supported in TorchScript (exceptions can be raised, not caught): test the condition with an if instead\n    try:\n    ^~~\n");
    assert_error("x = yield\n", "t.py:1:5: error: yield is not supported in TorchScript: build a list and return it\n    x = yield\n        ^~~~~\n");
    assert_error("yield x\n", "t.py:1:1: error: yield is not supported in TorchScript: build a list and return it\n    yield x\n    ^~~~~\n");
    assert_error("x = await y\n", "t.py:1:5: error: 'await' is not supported in TorchScript\n    x = await y\n        ^~~~~\n");
    assert_error("async def f():\n  pass\n",
                 "t.py:1:1: error: 'async' is not supported in TorchScript\n    async def f():\n    ^~~~~\n");
}

static void error_recovery(void **state) {
    (void)state;
    /* each bad statement is reported and parsing resumes at the next one,
     * also inside blocks; good statements in between are parsed */
    assert_error("def f(x):\n"
                 "    y = (x +\n"
                 "    return y\n"
                 "def g(x):\n"
                 "    z = x +* 2\n"
                 "    if z\n"
                 "        pass\n"
                 "    w = 1\n"
                 "    return z )\n"
                 "class C:\n"
                 "    def h(self) -> int\n"
                 "        return 1\n"
                 "    def k(self):\n"
                 "        return 1 +\n",
                 "t.py:2:9: error: '(' was never closed\n        y = (x +\n            ^\n"
                 "t.py:5:12: error: expected expression but found '*'\n        z = x +* 2\n               ^\n"
                 "t.py:6:9: error: expected ':' but found newline\n        if z\n            ^\n"
                 "t.py:9:14: error: unmatched ')'\n        return z )\n                 ^\n"
                 "t.py:11:23: error: expected ':' but found newline\n        def h(self) -> int\n                          ^\n"
                 "t.py:14:19: error: expected expression but found newline\n            return 1 +\n                      ^\n");
    /* two errors in one block, the statements around them survive */
    assert_error("x = 1\ny = )\nz = 2\nw = (]\nv = 3\n",
                 "t.py:2:5: error: expected expression but found ')'\n    y = )\n        ^\n"
                 "t.py:4:6: error: expected expression but found ']'\n    w = (]\n         ^\n");
}

static void error_limit(void **state) {
    (void)state;
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < 40; i++) sb_puts(&sb, "x = )\n");
    char *s = dump(sb_cstr(&sb));
    sb_free(&sb);
    int n = 0;
    for (const char *p = s; (p = strstr(p, ": error: ")) != NULL; p++) n++;
    assert_int_equal(n, 20);
    assert_non_null(strstr(s, "t.py:20:5: error: expected expression but found ')'"));
    const char *note = "t.py: note: too many errors (20), stopping\n";
    assert_string_equal(s + strlen(s) - strlen(note), note);
    ts_free(s);
}

/* ---- limits ---- */

static char *repeat(const char *prefix, const char *unit, int n, const char *suffix) {
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, prefix);
    for (int i = 0; i < n; i++) sb_puts(&sb, unit);
    sb_puts(&sb, suffix);
    return sb_steal(&sb);
}

/* prefix open*n middle close*n "\n" */
static char *nested(const char *prefix, const char *open, int n, const char *middle, const char *close) {
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, prefix);
    for (int i = 0; i < n; i++) sb_puts(&sb, open);
    sb_puts(&sb, middle);
    for (int i = 0; i < n; i++) sb_puts(&sb, close);
    sb_putc(&sb, '\n');
    return sb_steal(&sb);
}

static void assert_too_deep(char *text) {
    char *s = dump(text);
    assert_non_null(strstr(s, "error: nesting too deep (limit 200)"));
    ts_free(s);
    ts_free(text);
}

static void assert_parses(char *text) {
    char *s = dump(text);
    assert_null(strstr(s, "error"));
    ts_free(s);
    ts_free(text);
}

static void nesting_limits(void **state) {
    (void)state;
    /* deep but reasonable nesting parses */
    assert_parses(nested("x = ", "(", 60, "1", ")"));
    assert_parses(nested("x = ", "f(", 40, "1", ")"));
    assert_parses(nested("x = ", "[", 60, "1", "]"));
    assert_parses(repeat("x = 1", " + 1", 150, "\n"));
    /* beyond the limit: an error, never a stack overflow */
    assert_too_deep(repeat("x = ", "(", 100000, "\n"));
    assert_too_deep(repeat("x = ", "[", 100000, "\n"));
    assert_too_deep(repeat("x = ", "{", 100000, "\n"));
    assert_too_deep(repeat("x = ", "f(", 100000, "\n"));
    assert_too_deep(repeat("x = ", "-", 100000, "1\n"));
    assert_too_deep(repeat("x = ", "not ", 100000, "1\n"));
    assert_too_deep(repeat("x = ", "2**", 100000, "2\n"));
    assert_too_deep(repeat("x = ", "lambda: ", 100000, "1\n"));
    assert_too_deep(repeat("x = ", "1 if 2 else ", 100000, "1\n"));
    assert_too_deep(repeat("x = a", ".b", 100000, "\n"));
    assert_too_deep(repeat("x = a", "[0]", 100000, "\n"));
    assert_too_deep(repeat("x = 1", " + 1", 100000, "\n"));
    assert_too_deep(repeat("x = 1", " < 1 and 1", 100000, "\n"));
    assert_too_deep(repeat("if x:\n  pass\n", "elif x:\n  pass\n", 1000, ""));
    char *nested = NULL;
    {
        StrBuf sb;
        sb_init(&sb);
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < i; j++) sb_putc(&sb, ' ');
            sb_puts(&sb, "if x:\n");
        }
        for (int j = 0; j < 300; j++) sb_putc(&sb, ' ');
        sb_puts(&sb, "pass\n");
        nested = sb_steal(&sb);
    }
    assert_too_deep(nested);
}

static void source_too_large(void **state) {
    (void)state;
    /* refused before any byte is read */
    Source big = {.refcnt = 1, .name = "big.py", .text = "", .len = (size_t)PARSE_MAX_SOURCE_BYTES + 1};
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    assert_int_equal(parse_file(ctx, &arena, &big, &m), TS_ERR_SYNTAX);
    assert_null(m);
    assert_string_equal(sb_cstr(&ctx->msg),
                        "big.py: error: source is too large (33554433 bytes; the limit is 32 MiB)\n");
    arena_free(&arena);
    free_ctx(ctx);
}

static void binary_garbage(void **state) {
    (void)state;
    unsigned char bytes[4096];
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof bytes; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes[i] = (unsigned char)x;
        }
        char *s = dump_n((const char *)bytes, sizeof bytes);
        ts_free(s);
    }
}

/* ---- files ---- */

/* The tests/ directory: from TS_TESTS_DIR, or next to this source file. */
static const char *tests_dir(void) {
    static char buf[4096];
    const char *env = getenv("TS_TESTS_DIR");
    if (env) return env;
    const char *f = __FILE__;
    const char *e = strstr(f, "unit/test_parser.c");
    snprintf(buf, sizeof buf, "%.*s", e ? (int)(e - f) : 0, f);
    return buf;
}

typedef struct PathList {
    char **items;
    int len, cap;
} PathList;

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All regular files under dir whose names end in suffix (NULL: any), sorted. */
static void list_files(const char *dir, const char *suffix, PathList *out) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') continue;
        size_t n = strlen(dir) + strlen(ent->d_name) + 2;
        char *path = malloc(n);
        snprintf(path, n, "%s/%s", dir, ent->d_name);
        struct stat st;
        if (stat(path, &st) != 0) {
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            list_files(path, suffix, out);
            free(path);
            continue;
        }
        size_t ln = strlen(ent->d_name), ls = suffix ? strlen(suffix) : 0;
        if (suffix && (ln < ls || strcmp(ent->d_name + ln - ls, suffix) != 0)) {
            free(path);
            continue;
        }
        if (out->len == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 16;
            out->items = realloc(out->items, sizeof(char *) * (size_t)out->cap);
        }
        out->items[out->len++] = path;
    }
    closedir(d);
    qsort(out->items, (size_t)out->len, sizeof(char *), cmp_str);
}

static void free_paths(PathList *l) {
    for (int i = 0; i < l->len; i++) free(l->items[i]);
    free(l->items);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* Parse a file; returns the status and, on failure, the message (heap). */
static ts_status parse_path(const char *path, char **msg) {
    size_t len;
    char *text = read_file(path, &len);
    Source *src = source_new(path, text, len);
    free(text);
    Ctx *ctx = new_ctx();
    Arena arena;
    arena_init(&arena);
    AstModule *m;
    ts_status st = parse_file(ctx, &arena, src, &m);
    if (st == TS_OK) {
        StrBuf sb;
        sb_init(&sb);
        ast_print_module(&sb, m);
        assert_true(sb.len > 0 || m->body.len == 0);
        sb_free(&sb);
    }
    *msg = ts_strdup(sb_cstr(&ctx->msg));
    arena_free(&arena);
    free_ctx(ctx);
    source_release(src);
    return st;
}

static void archive_code_files(void **state) {
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%sdata/code", tests_dir());
    PathList files = {0};
    list_files(dir, ".py", &files);
    /* resnet18 scripted alone has 33 files; finding fewer means a wrong path */
    if (files.len < 50) fail_msg("only %d code files found under %s", files.len, dir);
    for (int i = 0; i < files.len; i++) {
        char *msg;
        ts_status st = parse_path(files.items[i], &msg);
        if (st != TS_OK) fail_msg("%s", msg);
        ts_free(msg);
    }
    free_paths(&files);
}

/* The files tests/lang/syntax/NAME.py: each `# expect error: L:C: message` line is one
 * expected diagnostic, in order; a file without any must parse cleanly. */
static void lang_syntax_files(void **state) {
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%slang/syntax", tests_dir());
    PathList files = {0};
    list_files(dir, ".py", &files);
    if (files.len < 5) fail_msg("only %d language test files found under %s", files.len, dir);
    for (int i = 0; i < files.len; i++) {
        const char *path = files.items[i];
        size_t len;
        char *text = read_file(path, &len);
        StrBuf want;
        sb_init(&want);
        const char *tag = "# expect error: ";
        for (const char *p = text; (p = strstr(p, tag)) != NULL;) {
            p += strlen(tag);
            const char *e = strchr(p, '\n');
            if (!e) e = p + strlen(p);
            sb_putn(&want, p, (size_t)(e - p));
            sb_putc(&want, '\n');
            p = e;
        }
        free(text);
        char *msg;
        ts_status st = parse_path(path, &msg);
        /* reduce "path:L:C: error: msg" header lines to "L:C: msg" */
        StrBuf got;
        sb_init(&got);
        size_t plen = strlen(path);
        for (const char *line = msg; *line;) {
            const char *e = strchr(line, '\n');
            if (!e) e = line + strlen(line);
            const char *err = strstr(line, ": error: ");
            if (strncmp(line, path, plen) == 0 && line[plen] == ':' && err && err < e) {
                sb_putn(&got, line + plen + 1, (size_t)(err - line - plen - 1));
                sb_puts(&got, ": ");
                sb_putn(&got, err + 9, (size_t)(e - err - 9));
                sb_putc(&got, '\n');
            }
            line = *e ? e + 1 : e;
        }
        if (strcmp(sb_cstr(&want), sb_cstr(&got)) != 0)
            fail_msg("%s:\nexpected errors:\n%sgot:\n%s(full message:\n%s)", path, sb_cstr(&want),
                     sb_cstr(&got), msg);
        assert_int_equal(st, want.len ? TS_ERR_SYNTAX : TS_OK);
        sb_free(&want);
        sb_free(&got);
        ts_free(msg);
    }
    free_paths(&files);
}

/* Inputs that once crashed or misbehaved: each must parse or fail cleanly. */
static void fuzz_regressions(void **state) {
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%sfuzz/regress/parser", tests_dir());
    PathList files = {0};
    list_files(dir, NULL, &files);
    if (files.len == 0) fail_msg("no regression inputs found under %s", dir);
    for (int i = 0; i < files.len; i++) {
        char *msg;
        ts_status st = parse_path(files.items[i], &msg);
        assert_true(st == TS_OK || (st == TS_ERR_SYNTAX && msg[0] != 0));
        ts_free(msg);
    }
    free_paths(&files);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(atoms, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(numbers_negative_literals, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(literal_text_is_kept, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(strings_with_nul, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(precedence, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(comparisons, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(trailers, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(displays, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(lambdas, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(simple_statements, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(compound_statements, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(function_defs, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(class_defs, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(docstrings, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(imports, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(spans_and_fields, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(parse_expression_entry, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(errors_expected, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(errors_semantic_syntax, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(errors_unsupported, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_recovery, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(error_limit, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(nesting_limits, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(source_too_large, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(binary_garbage, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(archive_code_files, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(lang_syntax_files, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(fuzz_regressions, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
