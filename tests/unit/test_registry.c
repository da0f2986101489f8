/*
 * test_registry.c - the schema parser and printer (round trips of real
 * PyTorch 1.13 schemas), default values, alias and kwarg-only information,
 * and the registry table built from ops/all.def (lookup, overload chains).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>

#include "ops/op.h"

static int group_setup(void **state) {
    (void)state;
    ops_init();
    return 0;
}

static void parse_ok(const char *text, OpSchema *s) {
    StrBuf err;
    sb_init(&err);
    bool ok = schema_parse(text, s, &err);
    if (!ok) fail_msg("%s", sb_cstr(&err));
    sb_free(&err);
}

static void assert_round_trip(const char *text) {
    OpSchema s;
    parse_ok(text, &s);
    StrBuf sb;
    sb_init(&sb);
    schema_str(&sb, &s);
    assert_string_equal(sb_cstr(&sb), text);
    sb_free(&sb);
}

/* Printed by torch._C._jit_get_all_schemas() in PyTorch 1.13.1. */
static const char *const k_real_schemas[] = {
    "aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor",
    "aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] dilation=1, int groups=1) -> Tensor",
    "aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor",
    "aten::adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",
    "aten::flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)",
    "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
    "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
    "aten::layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1.0000000000000001e-05, bool cudnn_enable=True) -> Tensor",
    "aten::softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
    "aten::gelu(Tensor self, *, str approximate=\"none\") -> Tensor",
    "aten::contiguous(Tensor(a) self, *, MemoryFormat memory_format=0) -> Tensor(a)",
    "aten::slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)",
    "aten::chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]",
    "aten::zeros(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor",
    "aten::lstm.input(Tensor input, Tensor[] hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first) -> (Tensor, Tensor, Tensor)",
    "aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
    "aten::max.dim_max(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) max, Tensor(b!) max_values) -> (Tensor(a!) values, Tensor(b!) indices)",
    "aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor",
    "aten::nanmean(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
    "aten::std.correction(Tensor self, int[1]? dim=None, *, int? correction=None, bool keepdim=False) -> Tensor",
    "aten::fft_fft2(Tensor self, int[1]? s=None, int[1] dim=[-2, -1], str? norm=None) -> Tensor",
    "aten::cpu(Tensor(a) self) -> Tensor(b|a)",
    "aten::__getitem__.t(t[](a) list, int idx) -> t(*)",
    "aten::append.t(t[](a!) self, t(c -> *) el) -> t[](a!)",
    "aten::_set_item.str(Dict(str, t)(a!) l, str(b -> *) idx, t(c -> *) v) -> ()",
    "aten::items.str(Dict(str, t) self) -> ((str, t)[])",
    "aten::dict.str((str, tVal)[] inputs) -> Dict(str, tVal)",
    "aten::get.str(Dict(str, t) self, str key) -> t(*)?",
    "aten::values.str(Dict(str, t) self) -> t[](*)",
    "aten::format(str self, ...) -> str",
    "prim::TupleUnpack(Any tup) -> ...",
    "prim::ConstantChunk(...) -> ...",
    "aten::has_torch_function(...) -> bool",
    "prim::RaiseException(str msg, str? cls=None) -> ()",
    "aten::strip(str self, str chars=\" \\n\\t\\f\\v\") -> str",
    "aten::isclose(Tensor self, Tensor other, float rtol=1.0000000000000001e-05, float atol=1e-08, bool equal_nan=False) -> Tensor",
    "aten::rrelu(Tensor self, Scalar lower=0.125, Scalar upper=0.33333333333333331, bool training=False, Generator? generator=None) -> Tensor",
    "aten::hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor",
    "aten::pow.int(int a, int b) -> float",
    "aten::__is__(t1 self, t2 obj) -> bool",
    "quantized::add(Tensor qa, Tensor qb, float scale, int zero_point) -> Tensor qc",
    "aten::to.prim_Device(Tensor(a) self, Device? device, int? dtype=None, bool non_blocking=False, bool copy=False) -> Tensor(b|a)",
    "aten::_amp_foreach_non_finite_check_and_unscale_(Tensor(a!)[] self, Tensor(b!) found_inf, Tensor inv_scale) -> ()",
    "aten::upsample_bilinear2d.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor",
    "aten::split.str(str self, str? separator=None, int max=-1) -> str[]",
    "aten::nan_to_num(Tensor self, float? nan=None, float? posinf=None, float? neginf=None) -> Tensor",
    "aten::to_here(RRef(t) self, float timeout=60.) -> t(*)",
};

static void test_round_trip_real(void **state) {
    (void)state;
    for (size_t i = 0; i < TS_ARRAY_LEN(k_real_schemas); i++) {
        if (strstr(k_real_schemas[i], "RRef")) continue; /* RRef is not supported */
        assert_round_trip(k_real_schemas[i]);
    }
}

static void test_round_trip_registry(void **state) {
    (void)state;
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < ops_count(); i++) {
        const OpSchema *s = ops_at(i);
        sb_clear(&sb);
        schema_str(&sb, s);
        assert_string_equal(sb_cstr(&sb), s->text);
        assert_non_null(s->fn);
    }
    sb_free(&sb);
    assert_null(ops_at(-1));
    assert_null(ops_at(ops_count()));
}

static void test_parse_structure(void **state) {
    (void)state;
    OpSchema s;
    parse_ok(k_real_schemas[1], &s); /* conv2d */
    assert_string_equal(s.name, "aten::conv2d");
    assert_string_equal(s.overload, "");
    assert_int_equal(s.nargs, 7);
    assert_int_equal(s.nret, 1);
    assert_false(s.varargs);
    assert_false(s.varret);
    assert_string_equal(s.args[2].name, "bias");
    assert_ptr_equal(s.args[2].type, ty_optional(ty_tensor()));
    assert_true(s.args[2].has_default);
    assert_int_equal(s.args[2].default_value.kind, IV_NONE);
    const OpArg *stride = &s.args[3];
    assert_ptr_equal(stride->type, ty_list(ty_int()));
    assert_int_equal(stride->fixed_len, 2);
    assert_string_equal(stride->type_text, "int[2]");
    assert_int_equal(stride->default_value.kind, IV_LIST);
    assert_int_equal(stride->default_value.u.l->len, 2);
    assert_int_equal(stride->default_value.u.l->items[0].u.i, 1);
    assert_int_equal(stride->default_value.u.l->items[1].u.i, 1);
    assert_ptr_equal(stride->default_value.u.l->elem, ty_int());
    assert_null(s.rets[0].name);
    assert_ptr_equal(s.rets[0].type, ty_tensor());

    parse_ok(k_real_schemas[5], &s); /* add.Tensor */
    assert_string_equal(s.overload, "Tensor");
    assert_false(s.args[1].kwarg_only);
    assert_true(s.args[2].kwarg_only);
    assert_ptr_equal(s.args[2].type, ty_number());
    assert_int_equal(s.args[2].default_value.kind, IV_INT);

    parse_ok(k_real_schemas[6], &s); /* add_.Tensor: alias and write */
    assert_int_equal(s.args[0].alias, 'a');
    assert_true(s.args[0].is_write);
    assert_int_equal(s.rets[0].alias, 'a');
    assert_true(s.rets[0].is_write);
    assert_int_equal(s.args[1].alias, 0);

    parse_ok(k_real_schemas[12], &s); /* chunk: (a -> *) and Tensor(a)[] */
    assert_int_equal(s.args[0].alias, 'a');
    assert_false(s.args[0].is_write);
    assert_ptr_equal(s.rets[0].type, ty_list(ty_tensor()));

    parse_ok(k_real_schemas[15], &s); /* named returns */
    assert_int_equal(s.nret, 2);
    assert_string_equal(s.rets[0].name, "values");
    assert_string_equal(s.rets[1].name, "indices");

    parse_ok(k_real_schemas[17], &s); /* Tensor?[] */
    assert_ptr_equal(s.args[1].type, ty_list(ty_optional(ty_tensor())));

    parse_ok(k_real_schemas[13], &s); /* zeros: SymInt[] and enum-typed optionals */
    assert_ptr_equal(s.args[0].type, ty_list(ty_int()));
    assert_ptr_equal(s.args[1].type, ty_optional(ty_int()));
    assert_ptr_equal(s.args[2].type, ty_optional(ty_int()));
    assert_ptr_equal(s.args[3].type, ty_optional(ty_device()));

    parse_ok(k_real_schemas[25], &s); /* items: one return of a tuple-list type */
    assert_int_equal(s.nret, 1);
    assert_ptr_equal(s.args[0].type, ty_dict(ty_str(), ty_var("t")));
    Type *kv[2] = {ty_str(), ty_var("t")};
    assert_ptr_equal(s.rets[0].type, ty_list(ty_tuple(kv, 2)));

    parse_ok(k_real_schemas[29], &s); /* format: varargs */
    assert_true(s.varargs);
    assert_int_equal(s.nargs, 1);
    parse_ok(k_real_schemas[30], &s); /* -> ... */
    assert_true(s.varret);
    assert_int_equal(s.nret, 0);
    assert_ptr_equal(s.args[0].type, ty_any());
    parse_ok(k_real_schemas[31], &s); /* (...) -> ... */
    assert_true(s.varargs);
    assert_int_equal(s.nargs, 0);

    parse_ok(k_real_schemas[33], &s); /* -> () */
    assert_int_equal(s.nret, 0);
    assert_false(s.varret);

    parse_ok(k_real_schemas[22], &s); /* t(*) */
    assert_ptr_equal(s.rets[0].type, ty_var("t"));
    assert_int_equal(s.rets[0].alias, '*');
}

static void test_defaults(void **state) {
    (void)state;
    OpSchema s;
    parse_ok("aten::f(float eps=1.0000000000000001e-05, float lo=-inf, float hi=inf, float one=1, "
             "bool b=True, str mode=\"none\", str q='it\\'s', int[] e=[], int[2] z=[0, 0], "
             "int[1] dim=1, MemoryFormat mf=contiguous_format, ScalarType dt=long, ScalarType? d2=float, "
             "Layout l=strided, MemoryFormat cl=channels_last, Scalar s=2.5, float[] fl=[1., 0.5]) -> ()",
             &s);
    assert_true(s.args[0].default_value.kind == IV_DOUBLE && s.args[0].default_value.u.d == 1e-05);
    assert_true(isinf(s.args[1].default_value.u.d) && s.args[1].default_value.u.d < 0);
    assert_true(isinf(s.args[2].default_value.u.d) && s.args[2].default_value.u.d > 0);
    assert_int_equal(s.args[3].default_value.kind, IV_DOUBLE);
    assert_true(s.args[3].default_value.u.d == 1.0);
    assert_true(s.args[4].default_value.kind == IV_BOOL && s.args[4].default_value.u.b);
    assert_string_equal(s.args[5].default_value.u.s->data, "none");
    assert_string_equal(s.args[6].default_value.u.s->data, "it's");
    assert_int_equal(s.args[7].default_value.u.l->len, 0);
    assert_int_equal(s.args[8].default_value.u.l->len, 2);
    assert_int_equal(s.args[9].default_value.u.l->len, 1);
    assert_int_equal(s.args[9].default_value.u.l->items[0].u.i, 1);
    assert_int_equal(s.args[10].default_value.u.i, 0);
    assert_int_equal(s.args[11].default_value.u.i, 4);
    assert_int_equal(s.args[12].default_value.u.i, 6);
    assert_int_equal(s.args[13].default_value.u.i, 0);
    assert_int_equal(s.args[14].default_value.u.i, 2);
    assert_int_equal(s.args[15].default_value.kind, IV_DOUBLE);
    assert_int_equal(s.args[16].default_value.u.l->len, 2);
    assert_true(s.args[16].default_value.u.l->items[1].u.d == 0.5);
    assert_ptr_equal(s.args[16].default_value.u.l->elem, ty_float());

    /* printed the way PyTorch prints them */
    StrBuf sb;
    sb_init(&sb);
    schema_str(&sb, &s);
    assert_string_equal(sb_cstr(&sb),
                        "aten::f(float eps=1.0000000000000001e-05, float lo=-inf, float hi=inf, float one=1., "
                        "bool b=True, str mode=\"none\", str q=\"it\\'s\", int[] e=[], int[2] z=0, "
                        "int[1] dim=[1], MemoryFormat mf=0, ScalarType dt=4, ScalarType? d2=6, "
                        "Layout l=0, MemoryFormat cl=2, Scalar s=2.5, float[] fl=[1., 0.5]) -> ()");
    sb_free(&sb);

    /* default values are immortal: balanced retain/release leaves them intact */
    IValue d = s.args[8].default_value;
    int32_t rc = d.u.l->hdr.refcnt;
    for (int i = 0; i < 10; i++) iv_retain(d);
    for (int i = 0; i < 10; i++) iv_release(d);
    assert_int_equal(d.u.l->hdr.refcnt, rc);
    iv_release(iv_dup(s.args[5].default_value));
    assert_string_equal(s.args[5].default_value.u.s->data, "none");
}

static void test_malformed(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "add(int a) -> int",
        "aten::add(int a -> int",
        "aten::add(int) -> int",
        "aten::add(int a)",
        "aten::add(int a) -> ",
        "aten::add(Foo a) -> int",
        "aten::add(int a=) -> int",
        "aten::add(int a=\"x) -> int",
        "aten::add(int a, ..., int b) -> int",
        "aten::add(int[ a) -> int",
        "aten::add(Tensor(a a) -> int",
        "aten::add(int a) -> int junk junk",
        "aten::add(int a=bogus_name) -> int",
        "aten::add.(int a) -> int",
        "aten::add(Dict(str) a) -> int",
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(bad); i++) {
        OpSchema s;
        StrBuf err;
        sb_init(&err);
        if (schema_parse(bad[i], &s, &err)) fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(sb_cstr(&err), "schema: "));
        sb_free(&err);
    }
    /* a NULL error buffer is allowed */
    OpSchema s;
    assert_false(schema_parse("nope", &s, NULL));
}

static void test_lookup_and_overloads(void **state) {
    (void)state;
    assert_true(ops_count() > 200);
    const OpSchema *add = ops_lookup("aten::add");
    assert_non_null(add);
    assert_string_equal(add->overload, "t"); /* PyTorch's order among the language ops */
    const char *expect[] = {"t", "str", "int", "float", "int_float", "float_int", ""};
    const OpSchema *s = add;
    for (size_t i = 0; i < TS_ARRAY_LEN(expect); i++, s = s->next_overload) {
        assert_non_null(s);
        assert_string_equal(s->name, "aten::add");
        assert_string_equal(s->overload, expect[i]);
    }
    /* any later overloads (tensor.def) keep the name */
    for (; s; s = s->next_overload) assert_string_equal(s->name, "aten::add");

    const OpSchema *ai = ops_lookup_overload("aten::add", "int");
    assert_non_null(ai);
    assert_string_equal(ai->text, "aten::add.int(int a, int b) -> int");
    assert_ptr_equal(ops_lookup_overload("aten::add", ""), ops_lookup_overload("aten::add", NULL));
    assert_string_equal(ops_lookup_overload("aten::add", "")->text, "aten::add(Scalar a, Scalar b) -> Scalar");
    assert_null(ops_lookup("aten::no_such_op"));
    assert_null(ops_lookup_overload("aten::add", "nope"));
    assert_non_null(ops_lookup("prim::RaiseException"));
    assert_non_null(ops_lookup_overload("aten::dict", ""));

    /* every schema is reachable through its name's chain exactly once */
    for (int i = 0; i < ops_count(); i++) {
        const OpSchema *x = ops_at(i);
        int seen = 0;
        for (const OpSchema *o = ops_lookup(x->name); o; o = o->next_overload) seen += o == x;
        assert_int_equal(seen, 1);
        assert_ptr_equal(ops_lookup_overload(x->name, x->overload), x);
    }
}

static void *init_worker(void *arg) {
    (void)arg;
    ops_init();
    return (void *)ops_lookup("aten::len");
}

static void test_concurrent_init(void **state) {
    (void)state;
    pthread_t th[4];
    void *r[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, init_worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], &r[i]);
    for (int i = 0; i < 4; i++) assert_ptr_equal(r[i], ops_lookup("aten::len"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_real, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_registry, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_parse_structure, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_defaults, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_malformed, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_and_overloads, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_init, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
