/*
 * test_type.c - interning, subtyping, unification and both printed forms of
 * TorchScript types (value/type.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"
#include <pthread.h>
#include <stdio.h>

#include "value/type.h"
#include "value/value.h"

static char g_buf[512];

static const char *annot(const Type *t) {
    StrBuf sb;
    sb_init(&sb);
    ty_annotation_str(&sb, t);
    snprintf(g_buf, sizeof g_buf, "%s", sb_cstr(&sb));
    sb_free(&sb);
    return g_buf;
}

static const char *graph(const Type *t) {
    StrBuf sb;
    sb_init(&sb);
    ty_graph_str(&sb, t);
    snprintf(g_buf, sizeof g_buf, "%s", sb_cstr(&sb));
    sb_free(&sb);
    return g_buf;
}

static Type *tup2(Type *a, Type *b) {
    Type *e[2] = {a, b};
    return ty_tuple(e, 2);
}

static void test_interning(void **state) {
    (void)state;
    assert_ptr_equal(ty_int(), ty_int());
    assert_ptr_equal(ty_list(ty_int()), ty_list(ty_int()));
    assert_ptr_not_equal(ty_list(ty_int()), ty_list(ty_float()));
    assert_ptr_equal(ty_dict(ty_str(), ty_tensor()), ty_dict(ty_str(), ty_tensor()));
    assert_ptr_equal(tup2(ty_int(), ty_float()), tup2(ty_int(), ty_float()));
    assert_ptr_not_equal(tup2(ty_int(), ty_float()), tup2(ty_float(), ty_int()));
    assert_ptr_equal(ty_tuple(NULL, 0), ty_tuple(NULL, 0));
    assert_ptr_equal(ty_var("t"), ty_var("t"));
    assert_ptr_not_equal(ty_var("t"), ty_var("t1"));
    assert_ptr_equal(ty_func("__torch__.f"), ty_func("__torch__.f"));
    assert_ptr_equal(ty_list(ty_list(ty_optional(ty_tensor()))),
                     ty_list(ty_list(ty_optional(ty_tensor()))));
    assert_true(ty_equal(ty_optional(ty_int()), ty_optional(ty_int())));
    assert_int_equal(ty_list(ty_int())->kind, TK_LIST);
    assert_ptr_equal(ty_list(ty_int())->elems[0], ty_int());
}

static void test_optional_union_normalisation(void **state) {
    (void)state;
    Type *oi = ty_optional(ty_int());
    assert_ptr_equal(ty_optional(oi), oi);
    assert_ptr_equal(ty_optional(ty_none()), ty_none());
    Type *m[3] = {ty_int(), ty_none(), ty_int()};
    assert_ptr_equal(ty_union(m, 3), oi);
    Type *one[1] = {ty_str()};
    assert_ptr_equal(ty_union(one, 1), ty_str());
    Type *a[2] = {ty_str(), ty_int()};
    Type *b[2] = {ty_int(), ty_str()};
    assert_ptr_equal(ty_union(a, 2), ty_union(b, 2));
    Type *nested[2] = {ty_union(a, 2), ty_float()};
    Type *flat[3] = {ty_float(), ty_str(), ty_int()};
    assert_ptr_equal(ty_union(nested, 2), ty_union(flat, 3));
    /* Optional[Union[int, str]] is Union[int, NoneType, str] */
    Type *ou = ty_optional(ty_union(a, 2));
    assert_int_equal(ou->kind, TK_UNION);
    assert_string_equal(annot(ou), "Union[int, NoneType, str]");
    assert_ptr_equal(ty_unwrap_optional(oi), ty_int());
    assert_ptr_equal(ty_unwrap_optional(ty_int()), ty_int());
}

static void test_annotation_str(void **state) {
    (void)state;
    assert_string_equal(annot(ty_list(ty_int())), "List[int]");
    assert_string_equal(annot(ty_optional(ty_tensor())), "Optional[Tensor]");
    assert_string_equal(annot(tup2(ty_int(), ty_float())), "Tuple[int, float]");
    assert_string_equal(annot(ty_tuple(NULL, 0)), "Tuple[()]");
    assert_string_equal(annot(ty_dict(ty_str(), ty_tensor())), "Dict[str, Tensor]");
    Type *u[2] = {ty_int(), ty_str()};
    assert_string_equal(annot(ty_union(u, 2)), "Union[int, str]");
    /* PyTorch's member order: Tensor < List < float < int < str < bool */
    Type *u2[4] = {ty_bool(), ty_int(), ty_list(ty_int()), ty_tensor()};
    assert_string_equal(annot(ty_union(u2, 4)), "Union[Tensor, List[int], int, bool]");
    Type *u3[2] = {ty_int(), ty_float()};
    assert_string_equal(annot(ty_union(u3, 2)), "Union[float, int]");
    Type *u4[4] = {ty_str(), ty_complex(), ty_int(), ty_float()};
    assert_string_equal(annot(ty_union(u4, 4)), "Union[str, number]");
    assert_string_equal(annot(ty_none()), "NoneType");
    assert_string_equal(annot(ty_number()), "number");
    assert_string_equal(annot(ty_device()), "Device");
    assert_string_equal(annot(ty_any()), "Any");
    assert_string_equal(annot(ty_anylist()), "list");
    assert_string_equal(annot(ty_var("t")), "t");
    assert_string_equal(annot(ty_list(ty_optional(ty_list(ty_float())))), "List[Optional[List[float]]]");
    ClassType *c = classtype_new(CK_CLASS, "__torch__.foo.Bar");
    assert_string_equal(annot(c->type), "__torch__.foo.Bar");
    assert_string_equal(annot(ty_list(c->type)), "List[__torch__.foo.Bar]");
    assert_string_equal(graph(ty_optional(c->type)), "__torch__.foo.Bar?");
    classtype_free(c);
}

static void test_graph_str(void **state) {
    (void)state;
    assert_string_equal(graph(ty_list(ty_int())), "int[]");
    assert_string_equal(graph(ty_optional(ty_tensor())), "Tensor?");
    assert_string_equal(graph(ty_list(ty_optional(ty_tensor()))), "Tensor?[]");
    assert_string_equal(graph(ty_optional(ty_list(ty_int()))), "int[]?");
    assert_string_equal(graph(tup2(ty_int(), ty_float())), "(int, float)");
    assert_string_equal(graph(ty_tuple(NULL, 0)), "()");
    assert_string_equal(graph(ty_dict(ty_str(), ty_tensor())), "Dict(str, Tensor)");
    assert_string_equal(graph(ty_none()), "NoneType");
    assert_string_equal(graph(ty_number()), "Scalar");
    assert_string_equal(graph(ty_device()), "Device");
    assert_string_equal(graph(ty_var("t")), "t");
    Type *u[2] = {ty_str(), ty_int()};
    assert_string_equal(graph(ty_union(u, 2)), "Union(int, str)");
    Type *u2[3] = {ty_list(ty_int()), ty_int(), ty_tensor()};
    assert_string_equal(graph(ty_union(u2, 3)), "Union(Tensor, int[], int)");
}

static void test_subtype(void **state) {
    (void)state;
    Type *prims[] = {ty_tensor(), ty_int(), ty_float(), ty_bool(), ty_str(), ty_none(),
                     ty_list(ty_int()), ty_optional(ty_int())};
    for (size_t i = 0; i < TS_ARRAY_LEN(prims); i++) {
        assert_true(ty_subtype(prims[i], ty_any()));
        assert_true(ty_subtype(prims[i], prims[i]));
    }
    assert_true(ty_subtype(ty_int(), ty_number()));
    assert_true(ty_subtype(ty_float(), ty_number()));
    assert_false(ty_subtype(ty_bool(), ty_number())); /* PyTorch: bool is not a number */
    assert_false(ty_subtype(ty_str(), ty_number()));
    assert_false(ty_subtype(ty_tensor(), ty_number()));
    assert_false(ty_subtype(ty_number(), ty_int()));
    assert_false(ty_subtype(ty_int(), ty_float()));
    assert_false(ty_subtype(ty_any(), ty_int()));

    assert_true(ty_subtype(ty_int(), ty_optional(ty_int())));
    assert_true(ty_subtype(ty_none(), ty_optional(ty_tensor())));
    assert_false(ty_subtype(ty_optional(ty_int()), ty_int()));
    assert_true(ty_subtype(ty_optional(ty_int()), ty_optional(ty_number())));
    assert_true(ty_subtype(ty_int(), ty_optional(ty_number())));

    /* lists are invariant */
    assert_false(ty_subtype(ty_list(ty_int()), ty_list(ty_number())));
    assert_false(ty_subtype(ty_list(ty_int()), ty_list(ty_optional(ty_int()))));
    assert_true(ty_subtype(ty_list(ty_int()), ty_anylist()));
    assert_false(ty_subtype(ty_dict(ty_str(), ty_int()), ty_dict(ty_str(), ty_number())));

    /* tuples are covariant */
    assert_true(ty_subtype(tup2(ty_int(), ty_none()), tup2(ty_number(), ty_optional(ty_str()))));
    assert_false(ty_subtype(tup2(ty_int(), ty_str()), tup2(ty_int(), ty_int())));
    Type *one[1] = {ty_int()};
    assert_false(ty_subtype(ty_tuple(one, 1), tup2(ty_int(), ty_int())));
    assert_true(ty_subtype(tup2(ty_int(), ty_str()), ty_anytuple()));

    /* unions */
    Type *u[2] = {ty_int(), ty_str()};
    Type *is = ty_union(u, 2);
    assert_true(ty_subtype(ty_int(), is));
    assert_true(ty_subtype(ty_str(), is));
    assert_false(ty_subtype(ty_float(), is));
    assert_false(ty_subtype(is, ty_int()));
    Type *u3[3] = {ty_int(), ty_str(), ty_float()};
    assert_true(ty_subtype(is, ty_union(u3, 3)));
    assert_true(ty_subtype(ty_optional(ty_int()), ty_optional(is)));
    assert_false(ty_subtype(ty_var("t"), ty_var("t1")));
}

static void test_unify(void **state) {
    (void)state;
    assert_ptr_equal(ty_unify(ty_int(), ty_int()), ty_int());
    assert_ptr_equal(ty_unify(ty_none(), ty_tensor()), ty_optional(ty_tensor()));
    assert_ptr_equal(ty_unify(ty_tensor(), ty_none()), ty_optional(ty_tensor()));
    assert_ptr_equal(ty_unify(ty_optional(ty_int()), ty_int()), ty_optional(ty_int()));
    assert_ptr_equal(ty_unify(ty_int(), ty_number()), ty_number());
    assert_null(ty_unify(ty_int(), ty_float()));
    assert_null(ty_unify(ty_list(ty_int()), ty_list(ty_float())));
    assert_ptr_equal(ty_unify(tup2(ty_int(), ty_none()), tup2(ty_int(), ty_str())),
                     tup2(ty_int(), ty_optional(ty_str())));
    assert_null(ty_unify(tup2(ty_int(), ty_str()), tup2(ty_str(), ty_str())));
    assert_null(ty_unify(NULL, ty_int()));
}

static void test_ty_name(void **state) {
    (void)state;
    const char *a = ty_name(ty_list(ty_int()));
    assert_string_equal(a, "List[int]");
    assert_ptr_equal(ty_name(ty_list(ty_int())), a);
    assert_string_equal(ty_name(ty_int()), "int");
    assert_string_equal(ty_name(ty_optional(ty_tensor())), "Optional[Tensor]");
}

static void *intern_worker(void *arg) {
    Type **out = arg;
    for (int i = 0; i < 2000; i++) {
        Type *t = ty_list(ty_tuple((Type *[]){ty_int(), ty_list(ty_str())}, 2));
        if (i == 0) *out = t;
        else if (*out != t) *out = NULL;
        (void)ty_dict(ty_int(), ty_list(ty_list(ty_optional(ty_float()))));
    }
    return NULL;
}

static void test_thread_interning(void **state) {
    (void)state;
    pthread_t th[4];
    Type *res[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, intern_worker, &res[i]);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) assert_ptr_equal(res[i], res[0]);
    assert_non_null(res[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_interning, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_optional_union_normalisation, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_annotation_str, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_graph_str, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_subtype, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_unify, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_ty_name, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_thread_interning, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
