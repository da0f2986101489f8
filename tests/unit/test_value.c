/*
 * test_value.c - boxed values (value/value.c, value/value_repr.c): reference
 * counting of every heap kind, containers, dicts, objects and their units,
 * Python equality/truthiness and the exact printed forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "value/value.h"

static long g_live;
static Ctx g_ctx;

static int setup(void **state) {
    (void)state;
    memset(&g_ctx, 0, sizeof g_ctx);
    g_live = ts_alloc_live();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ctx_dispose(&g_ctx);
    assert_int_equal(ts_alloc_live(), g_live);
    return 0;
}

static char g_buf[1024];

enum { REPR, STR, PRINT };

static const char *show(IValue v, int how) {
    StrBuf sb;
    sb_init(&sb);
    if (how == REPR) iv_repr(&sb, v);
    else if (how == STR) iv_str_of(&sb, v);
    else iv_print(&sb, v);
    snprintf(g_buf, sizeof g_buf, "%s", sb_cstr(&sb));
    sb_free(&sb);
    return g_buf;
}
#define assert_repr(v, s) assert_string_equal(show((v), REPR), (s))
#define assert_strof(v, s) assert_string_equal(show((v), STR), (s))
#define assert_print(v, s) assert_string_equal(show((v), PRINT), (s))

static IValue int_list(int n, const int64_t *xs) {
    ListObj *l = list_new(ty_int(), 0);
    for (int i = 0; i < n; i++) list_push_steal(l, iv_int(xs[i]));
    return iv_list_steal(l);
}

static IValue tuple_of(int n, ...) {
    TupleObj *t = tuple_new(n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) t->items[i] = va_arg(ap, IValue);
    va_end(ap);
    return iv_tuple_steal(t);
}

static void test_scalar_repr(void **state) {
    (void)state;
    assert_repr(iv_int(3), "3");
    assert_repr(iv_int(-9223372036854775807LL - 1), "-9223372036854775808");
    assert_repr(iv_double(2.5), "2.5");
    assert_repr(iv_double(1.0), "1.0");
    assert_repr(iv_double(0.1), "0.1");
    assert_repr(iv_double(1e20), "1e+20");
    assert_repr(iv_double(-INFINITY), "-inf");
    assert_repr(iv_double(NAN), "nan");
    assert_repr(iv_bool(true), "True");
    assert_repr(iv_bool(false), "False");
    assert_repr(iv_none(), "None");
    assert_repr(iv_device((Device){DEVICE_CPU, -1}), "device(type='cpu')");
    assert_repr(iv_device((Device){DEVICE_CUDA, 0}), "device(type='cuda', index=0)");
    assert_strof(iv_device((Device){DEVICE_CUDA, 1}), "cuda:1");
    assert_strof(iv_double(1.0), "1.0");
}

static void test_string_repr(void **state) {
    (void)state;
    struct { const char *in, *out; } cases[] = {
        {"abc", "'abc'"},
        {"", "''"},
        {"it's", "\"it's\""},
        {"say \"hi\"", "'say \"hi\"'"},
        {"both ' and \"", "'both \\' and \"'"},
        {"a\nb\tc\rd", "'a\\nb\\tc\\rd'"},
        {"back\\slash", "'back\\\\slash'"},
        {"\x01\x1f\x7f", "'\\x01\\x1f\\x7f'"},
        {"caf\xc3\xa9 \xe2\x82\xac", "'caf\xc3\xa9 \xe2\x82\xac'"},
        {"nbsp\xc2\xa0", "'nbsp\\xa0'"},
        {"ls\xe2\x80\xa8", "'ls\\u2028'"},
        {"bad\xff", "'bad\\xff'"},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(cases); i++) {
        IValue s = iv_cstr(cases[i].in);
        assert_repr(s, cases[i].out);
        assert_strof(s, cases[i].in);
        assert_print(s, cases[i].in);
        iv_release(s);
    }
}

static void test_container_repr(void **state) {
    (void)state;
    IValue l = int_list(2, (int64_t[]){1, 2});
    assert_repr(l, "[1, 2]");
    iv_release(l);
    IValue e = iv_list_steal(list_new(ty_int(), 0));
    assert_repr(e, "[]");
    iv_release(e);

    IValue t2 = tuple_of(2, iv_int(1), iv_int(2));
    assert_repr(t2, "(1, 2)");
    iv_release(t2);
    IValue t1 = tuple_of(1, iv_int(1));
    assert_repr(t1, "(1,)");
    assert_print(t1, "(1,)");
    iv_release(t1);
    IValue t0 = tuple_of(0);
    assert_repr(t0, "()");
    iv_release(t0);

    DictObj *d = dict_new(ty_str(), ty_int());
    dict_set_steal(d, iv_cstr("a"), iv_int(1));
    dict_set_steal(d, iv_cstr("b'"), iv_double(2.0));
    IValue dv = iv_dict_steal(d);
    assert_repr(dv, "{'a': 1, \"b'\": 2.0}");
    assert_strof(dv, "{'a': 1, \"b'\": 2.0}");
    assert_print(dv, "{a: 1, b': 2.}");
    iv_release(dv);
    IValue de = iv_dict_steal(dict_new(ty_str(), ty_int()));
    assert_repr(de, "{}");
    iv_release(de);

    /* nested, with strings quoted inside containers even for str() */
    ListObj *sl = list_new(ty_str(), 0);
    list_push_steal(sl, iv_cstr("x"));
    list_push_steal(sl, iv_cstr("y'z"));
    IValue nested = tuple_of(3, iv_list_steal(sl), iv_none(), iv_double(0.5));
    assert_repr(nested, "(['x', \"y'z\"], None, 0.5)");
    assert_strof(nested, "(['x', \"y'z\"], None, 0.5)");
    assert_print(nested, "([x, y'z], None, 0.5)");
    iv_release(nested);
}

static void test_print_dialect(void **state) {
    (void)state;
    assert_print(iv_double(1.0), "1.");
    assert_print(iv_double(-0.0), "-0.");
    assert_print(iv_double(0.1), "0.10000000000000001");
    assert_print(iv_double(1e20), "1e+20");
    assert_print(iv_double(1e-7), "9.9999999999999995e-08");
    assert_print(iv_double(1.5), "1.5");
    assert_print(iv_double(NAN), "nan");
    assert_print(iv_double(-INFINITY), "-inf");
    assert_print(iv_bool(true), "True");
    assert_print(iv_none(), "None");
    assert_print(iv_int(-7), "-7");
    assert_print(iv_device((Device){DEVICE_CPU, -1}), "cpu");
    assert_print(iv_device((Device){DEVICE_CUDA, 1}), "cuda:1");
    ListObj *fl = list_new(ty_float(), 0);
    list_push_steal(fl, iv_double(0.1));
    list_push_steal(fl, iv_double(2.0));
    list_push_steal(fl, iv_double(1e20));
    IValue flv = iv_list_steal(fl);
    assert_print(flv, "[0.10000000000000001, 2., 1e+20]");
    assert_repr(flv, "[0.1, 2.0, 1e+20]");
    iv_release(flv);
}

static void test_tensor_values(void **state) {
    (void)state;
    Tensor *t = tensor_scalar_i64(&g_ctx, DT_INT64, 3);
    assert_non_null(t);
    IValue tv = iv_tensor_steal(t);
    assert_repr(tv, "tensor(3)");
    assert_true(iv_truthy(tv));
    assert_string_equal(iv_kind_name(tv), "Tensor");
    /* a list holding the tensor keeps it alive after our reference goes */
    ListObj *l = list_new(ty_tensor(), 1);
    list_push_steal(l, iv_dup(tv));
    iv_release(tv);
    IValue lv = iv_list_steal(l);
    assert_repr(lv, "[tensor(3)]");
    assert_true(iv_equal(lv, lv));
    /* tensors as dict keys by identity */
    DictObj *d = dict_new(ty_tensor(), ty_int());
    dict_set_steal(d, iv_dup(l->items[0]), iv_int(7));
    assert_int_equal(dict_find(d, l->items[0])->u.i, 7);
    Tensor *other = tensor_scalar_i64(&g_ctx, DT_INT64, 3);
    IValue ov = iv_tensor_steal(other);
    assert_null(dict_find(d, ov));
    assert_false(iv_equal(ov, l->items[0]));
    iv_release(ov);
    iv_release(iv_dict_steal(d));
    iv_release(lv);
    Tensor *z = tensor_scalar_f64(&g_ctx, DT_FLOAT32, 0.0);
    IValue zv = iv_tensor_steal(z);
    assert_false(iv_truthy(zv));
    iv_release(zv);
}

static void test_refcounts(void **state) {
    (void)state;
    IValue s = iv_cstr("shared");
    assert_int_equal(s.u.s->hdr.refcnt, 1);
    assert_int_equal(s.u.s->hdr.kind, IV_STR);
    assert_int_equal(s.u.s->len, 6);
    assert_true(s.u.s->hash == ts_hash_bytes("shared", 6));
    ListObj *a = list_new(ty_str(), 0), *b = list_new(ty_str(), 0);
    list_push_steal(a, iv_dup(s));
    list_push_steal(b, iv_dup(s));
    assert_int_equal(s.u.s->hdr.refcnt, 3);
    IValue av = iv_list_steal(a);
    iv_release(av);
    assert_int_equal(s.u.s->hdr.refcnt, 2);
    iv_release(iv_list_steal(b));
    assert_int_equal(s.u.s->hdr.refcnt, 1);
    iv_release(s);
    /* scalars are no-ops */
    iv_retain(iv_int(1));
    iv_release(iv_double(1.0));
    iv_release(iv_none());
    /* big lists grow */
    ListObj *big = list_new(ty_int(), 0);
    for (int i = 0; i < 1000; i++) list_push_steal(big, iv_int(i));
    assert_int_equal(big->len, 1000);
    assert_int_equal(big->items[999].u.i, 999);
    iv_release(iv_list_steal(big));
    /* string with embedded NUL */
    IValue z = iv_str("a\0b", 3);
    assert_int_equal(z.u.s->len, 3);
    assert_repr(z, "'a\\x00b'");
    iv_release(z);
}

static void test_dict(void **state) {
    (void)state;
    DictObj *d = dict_new(ty_str(), ty_int());
    char key[32];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "k%d", i);
        dict_set_steal(d, iv_cstr(key), iv_int(i));
    }
    assert_int_equal(d->len, 500);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "k%d", i);
        IValue k = iv_cstr(key);
        IValue *v = dict_find(d, k);
        assert_non_null(v);
        assert_int_equal(v->u.i, i);
        iv_release(k);
    }
    IValue missing = iv_cstr("nope");
    assert_null(dict_find(d, missing));
    iv_release(missing);
    /* replace keeps the first insertion position */
    dict_set_steal(d, iv_cstr("k0"), iv_int(-1));
    assert_int_equal(d->len, 500);
    assert_string_equal(d->entries[0].key.u.s->data, "k0");
    assert_int_equal(d->entries[0].value.u.i, -1);
    assert_string_equal(d->entries[499].key.u.s->data, "k499");
    iv_release(iv_dict_steal(d));

    /* int keys; equal ints, floats and bools are the same key */
    DictObj *di = dict_new(ty_int(), ty_str());
    dict_set_steal(di, iv_int(1), iv_cstr("one"));
    dict_set_steal(di, iv_int(-5), iv_cstr("minus five"));
    assert_string_equal(dict_find(di, iv_int(1))->u.s->data, "one");
    assert_string_equal(dict_find(di, iv_double(1.0))->u.s->data, "one");
    assert_string_equal(dict_find(di, iv_bool(true))->u.s->data, "one");
    assert_null(dict_find(di, iv_double(1.5)));
    assert_null(dict_find(di, iv_int(2)));
    IValue dv = iv_dict_steal(di);
    assert_repr(dv, "{1: 'one', -5: 'minus five'}");
    assert_string_equal(iv_kind_name(dv), "Dict[int, str]");
    iv_release(dv);

    DictObj *df = dict_new(ty_float(), ty_int());
    dict_set_steal(df, iv_double(0.5), iv_int(1));
    dict_set_steal(df, iv_double(-0.0), iv_int(2));
    assert_int_equal(dict_find(df, iv_double(0.0))->u.i, 2);
    assert_int_equal(dict_find(df, iv_double(0.5))->u.i, 1);
    dict_set_steal(df, iv_double(NAN), iv_int(3));
    assert_null(dict_find(df, iv_double(NAN)));
    iv_release(iv_dict_steal(df));
}

static void test_equal_truthy(void **state) {
    (void)state;
    assert_true(iv_equal(iv_int(1), iv_double(1.0)));
    assert_true(iv_equal(iv_bool(true), iv_int(1)));
    assert_false(iv_equal(iv_int(1), iv_double(1.5)));
    assert_false(iv_equal(iv_int(INT64_MAX), iv_double(9223372036854775808.0)));
    assert_false(iv_equal(iv_double(NAN), iv_double(NAN)));
    assert_true(iv_equal(iv_none(), iv_none()));
    assert_false(iv_equal(iv_none(), iv_int(0)));
    IValue a = iv_cstr("abc"), b = iv_cstr("abc"), c = iv_cstr("abd");
    assert_true(iv_equal(a, b));
    assert_false(iv_equal(a, c));
    assert_false(iv_equal(a, iv_int(0)));
    IValue l1 = int_list(3, (int64_t[]){1, 2, 3}), l2 = int_list(3, (int64_t[]){1, 2, 3});
    IValue l3 = int_list(2, (int64_t[]){1, 2});
    assert_true(iv_equal(l1, l2));
    assert_false(iv_equal(l1, l3));
    IValue t1 = tuple_of(2, iv_dup(a), iv_int(1)), t2 = tuple_of(2, iv_dup(b), iv_double(1.0));
    assert_true(iv_equal(t1, t2));
    assert_true(iv_equal(iv_device((Device){0, -1}), iv_device((Device){0, -1})));
    assert_false(iv_equal(iv_device((Device){1, 0}), iv_device((Device){1, 1})));

    assert_false(iv_truthy(iv_none()));
    assert_false(iv_truthy(iv_int(0)));
    assert_true(iv_truthy(iv_int(-3)));
    assert_false(iv_truthy(iv_double(0.0)));
    assert_true(iv_truthy(iv_double(NAN)));
    assert_true(iv_truthy(a));
    IValue empty = iv_cstr("");
    assert_false(iv_truthy(empty));
    assert_true(iv_truthy(l1));
    IValue el = iv_list_steal(list_new(ty_int(), 0));
    assert_false(iv_truthy(el));

    assert_string_equal(iv_kind_name(iv_int(0)), "int");
    assert_string_equal(iv_kind_name(iv_double(0)), "float");
    assert_string_equal(iv_kind_name(iv_none()), "NoneType");
    assert_string_equal(iv_kind_name(a), "str");
    assert_string_equal(iv_kind_name(l1), "List[int]");
    assert_string_equal(iv_kind_name(t1), "Tuple[str, int]");

    IValue vals[] = {a, b, c, l1, l2, l3, t1, t2, empty, el};
    for (size_t i = 0; i < TS_ARRAY_LEN(vals); i++) iv_release(vals[i]);
}

/* A fake compilation unit counting its references. */
typedef struct Unit {
    int refs;
    ClassType *cls;
} Unit;
static void unit_retain(void *u) { ((Unit *)u)->refs++; }
static void unit_release(void *u) {
    Unit *unit = u;
    if (--unit->refs == 0) {
        classtype_free(unit->cls);
        unit->cls = NULL;
    }
}

static void test_objects(void **state) {
    (void)state;
    ClassType *c = classtype_new(CK_MODULE, "__torch__.torch.nn.modules.linear.Linear");
    assert_string_equal(c->name, "Linear");
    assert_int_equal(c->type->kind, TK_CLASS);
    assert_ptr_equal(c->type->cls, c);
    assert_int_equal(classtype_add_attr(c, "training", ty_bool(), false, false), 0);
    assert_int_equal(classtype_add_attr(c, "weight", ty_tensor(), true, false), 1);
    classtype_add_const(c, "in_features", ty_int(), iv_int(4));
    classtype_add_const(c, "name", ty_str(), iv_cstr("lin"));
    classtype_add_method(c, "forward", (void *)0x1);
    classtype_add_method(c, "extra", (void *)0x2);
    classtype_add_method(c, "forward", (void *)0x3);
    assert_int_equal(c->method_names.len, 2);
    assert_ptr_equal(strmap_get(&c->methods, "forward"), (void *)0x3);
    assert_int_equal(classtype_attr_index(c, "weight"), 1);
    assert_int_equal(classtype_attr_index(c, "bias"), -1);

    Unit unit = {1, c};
    c->unit = &unit;
    c->unit_retain = unit_retain;
    c->unit_release = unit_release;
    Object *o = object_new(c);
    assert_int_equal(unit.refs, 2);
    assert_int_equal(o->nslots, 2);
    assert_int_equal(o->slots[0].kind, IV_NONE);
    o->slots[0] = iv_bool(true);
    o->slots[1] = iv_cstr("w");
    IValue ov = iv_object_steal(o);
    assert_repr(ov, "<__torch__.torch.nn.modules.linear.Linear object>");
    assert_string_equal(iv_kind_name(ov), "__torch__.torch.nn.modules.linear.Linear");
    assert_true(iv_equal(ov, ov));

    /* enums */
    ClassType *ec = classtype_new(CK_ENUM, "__torch__.Color");
    EnumObj *en = enum_new(ec, "RED", iv_int(1));
    IValue ev = {.kind = IV_ENUM, .u.en = en};
    assert_repr(ev, "<Color.RED: 1>");
    assert_strof(ev, "Color.RED");
    assert_print(ev, "Enum<Color.RED>");
    EnumObj *en2 = enum_new(ec, "RED", iv_int(1));
    IValue ev2 = {.kind = IV_ENUM, .u.en = en2};
    assert_true(iv_equal(ev, ev2));
    iv_release(ev);
    iv_release(ev2);
    classtype_free(ec);

    FuncObj *f = func_new((void *)0x10);
    IValue fv = {.kind = IV_FUNC, .u.fn = f};
    assert_ptr_equal(f->fn, (void *)0x10);
    iv_release(fv);

    /* the unit's own reference goes first; the object keeps the class alive */
    unit_release(&unit);
    assert_int_equal(unit.refs, 1);
    assert_non_null(unit.cls);
    iv_release(ov);
    assert_int_equal(unit.refs, 0);
    assert_null(unit.cls);
}

static void test_namedtuple_repr(void **state) {
    (void)state;
    ClassType *c = classtype_new(CK_NAMEDTUPLE, "__torch__.Point");
    classtype_add_attr(c, "x", ty_int(), false, false);
    classtype_add_attr(c, "y", ty_float(), false, false);
    TupleObj *t = tuple_new(2);
    t->type = c->type;
    t->items[0] = iv_int(1);
    t->items[1] = iv_double(2.0);
    IValue tv = iv_tuple_steal(t);
    assert_repr(tv, "Point(x=1, y=2.0)");
    assert_print(tv, "(1, 2.)");
    assert_string_equal(iv_kind_name(tv), "__torch__.Point");
    iv_release(tv);
    classtype_free(c);
}

/* Hostile shapes (issue 5.4): lists nested 300000 deep, lists that hold
 * themselves, and a list shared 2^60 ways compare, print and free with
 * bounded stack and time; a cycle inside a collection is freed by it. */
static IValue nested(int depth, int64_t leaf) {
    IValue v = iv_int(leaf);
    for (int i = 0; i < depth; i++) {
        ListObj *l = list_new(ty_any(), 1);
        list_push_steal(l, v);
        v = iv_list_steal(l);
    }
    return v;
}

static void test_deep_and_cyclic_values(void **state) {
    (void)state;
    IValue a = nested(300000, 1), b = nested(300000, 1), c = nested(300000, 2);
    assert_true(iv_equal(a, b));
    assert_false(iv_equal(a, c));
    StrBuf sb;
    sb_init(&sb);
    iv_repr(&sb, a);
    assert_true(sb.len < 1000);
    assert_true(strncmp(sb_cstr(&sb), "[[[[", 4) == 0 && strstr(sb_cstr(&sb), "...") != NULL);
    sb_free(&sb);
    iv_release(a);
    iv_release(b);
    iv_release(c);

    /* l = [l, l] (a list holding itself twice), freed by the collector */
    iv_gc_begin();
    ListObj *l = list_new(ty_any(), 2);
    IValue lv = iv_list_steal(l);
    list_push_steal(l, iv_dup(lv));
    list_push_steal(l, iv_dup(lv));
    assert_string_equal(show(lv, REPR), "[[...], [...]]");
    ListObj *m = list_new(ty_any(), 2);
    IValue mv = iv_list_steal(m);
    list_push_steal(m, iv_dup(mv));
    list_push_steal(m, iv_dup(mv));
    assert_true(iv_equal(lv, mv));
    iv_release(lv);
    iv_release(mv);
    iv_gc_end();

    /* 60 levels of [x, x]: 2^60 paths, 60 lists */
    IValue d = iv_int(7);
    for (int i = 0; i < 60; i++) {
        ListObj *p = list_new(ty_any(), 2);
        list_push_steal(p, iv_dup(d));
        list_push_steal(p, d);
        d = iv_list_steal(p);
    }
    IValue e = iv_dup(d);
    assert_true(iv_equal(d, e));
    sb_init(&sb);
    iv_repr(&sb, d);
    assert_true(sb.len < (1u << 25));
    sb_free(&sb);
    iv_release(d);
    iv_release(e);

    /* a cycle the host lets go of: iv_release_collect frees it */
    ListObj *r = list_new(ty_any(), 1);
    IValue rv = iv_list_steal(r);
    list_push_steal(r, iv_dup(rv));
    iv_release_collect(rv);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scalar_repr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_repr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_repr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_dialect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tensor_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refcounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_and_cyclic_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equal_truthy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namedtuple_repr, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
