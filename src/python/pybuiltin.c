/*
 * pybuiltin.c - the evaluator's natives: Python builtins, the methods of
 * lists, dicts and strings, native modules (torch, math, typing,
 * collections, torch.jit), torch.* functions and tensor methods through the
 * op registry (with Python's argument conventions: keywords, int varargs
 * for sizes, dtype objects), and torch.nn.Module's native half: attribute
 * registration in PyTorch's order (_parameters, _buffers, _modules, the
 * instance dict) and the container methods.
 *
 * Ops are resolved per call by trying each overload in declaration order,
 * binding positional then keyword arguments and filling defaults, as
 * PyTorch's Python argument parser does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops/op.h"
#include "ops/grad_names.h"
#include "python/py.h"

enum { MAX_OP_ARGS_PY = 32 };

static ts_status bad_args(Py *S, const Span *sp, const char *name, const char *want) {
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() takes %s", name, want);
}

int py_dtype_code(const char *n) {
    static const struct { const char *name; int code; } tab[] = {
        {"uint8", 0}, {"int8", 1}, {"int16", 2}, {"short", 2}, {"int32", 3}, {"int", 3}, {"int64", 4},
        {"long", 4}, {"float16", 5}, {"half", 5}, {"float32", 6}, {"float", 6}, {"float64", 7},
        {"double", 7}, {"bool", 11}, {"bfloat16", 15},
    };
    for (size_t i = 0; i < TS_ARRAY_LEN(tab); i++)
        if (strcmp(tab[i].name, n) == 0) return tab[i].code;
    return -1;
}

/* ---- ops ---- */

/* Convert v to type t for an op argument (*out owned); false if it does not fit. */
static bool fit(Py *S, IValue v, const OpArg *a, Type *t, IValue *out) {
    TS_UNUSED(S);
    switch (t->kind) {
    case TK_ANY:
    case TK_VAR: *out = iv_dup(v); return true;
    case TK_TENSOR: if (v.kind != IV_TENSOR) return false; *out = iv_dup(v); return true;
    case TK_INT:
    case TK_LAYOUT: if (v.kind != IV_INT) return false; *out = v; return true;
    case TK_FLOAT:
        if (v.kind == IV_DOUBLE) { *out = v; return true; }
        if (v.kind == IV_INT) { *out = iv_double((double)v.u.i); return true; }
        return false;
    case TK_BOOL: if (v.kind != IV_BOOL) return false; *out = v; return true;
    case TK_NUMBER: if (v.kind != IV_INT && v.kind != IV_DOUBLE && v.kind != IV_BOOL) return false; *out = v; return true;
    case TK_STR: if (v.kind != IV_STR) return false; *out = iv_dup(v); return true;
    case TK_DEVICE:
        if (v.kind == IV_DEVICE) { *out = v; return true; }
        if (v.kind == IV_STR && strcmp(v.u.s->data, "cpu") == 0) { *out = iv_device((Device){DEVICE_CPU, -1}); return true; }
        return false;
    case TK_OPTIONAL:
        if (v.kind == IV_NONE) { *out = v; return true; }
        return fit(S, v, a, t->elems[0], out);
    case TK_GENERATOR: if (v.kind != IV_NONE) return false; *out = v; return true;
    case TK_LIST: {
        Type *et = t->elems[0];
        if (v.kind == IV_INT && a && a->fixed_len > 0 && et->kind == TK_INT) {
            ListObj *l = list_new(et, a->fixed_len);
            for (int i = 0; i < a->fixed_len; i++) list_push_steal(l, v);
            *out = iv_list_steal(l);
            return true;
        }
        const IValue *items;
        int64_t n;
        if (v.kind == IV_LIST) { items = v.u.l->items; n = v.u.l->len; }
        else if (v.kind == IV_TUPLE) { items = v.u.tup->items; n = v.u.tup->len; }
        else return false;
        ListObj *l = list_new(et, n);
        for (int64_t i = 0; i < n; i++) {
            IValue x;
            if (!fit(S, items[i], NULL, et, &x)) {
                iv_release(iv_list_steal(l));
                return false;
            }
            list_push_steal(l, x);
        }
        *out = iv_list_steal(l);
        return true;
    }
    default: break;
    }
    return false;
}

/* Where a call's int varargs pack into an int-list formal: the first formal
 * (torch.zeros(2, 3)), or the last positional one when the actual there is an
 * int (t.view(1, 3, 1, 1), t.permute(2, 0, 1)); -1 when none. */
static int pack_position(const OpSchema *s, const IValue *iv, int ni) {
    if (s->nargs == 0 || ni < 1) return -1;
    if (s->args[0].type->kind == TK_LIST && s->args[0].type->elems[0]->kind == TK_INT && iv[0].kind == IV_INT)
        return 0;
    int last = 0;
    while (last + 1 < s->nargs && !s->args[last + 1].kwarg_only) last++;
    const OpArg *f = &s->args[last];
    if (last == 0 || last >= ni || f->kwarg_only || f->type->kind != TK_LIST || f->type->elems[0]->kind != TK_INT ||
        f->fixed_len > 0 || iv[last].kind != IV_INT)
        return -1;
    return last;
}

ts_status py_call_op(Py *S, const char *op, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                     const Span *sp, PV *out) {
    const OpSchema *first = ops_lookup(op);
    if (!first) {
        size_t n = strlen(op);
        if (S->no_random && n > 1 && op[n - 1] == '_' && nargs > 0 && args[0].k == P_TENSOR) {
            /* an initialiser tscript lacks, on a tensor the weights file overwrites */
            *out = pv_dup(args[0]);
            return TS_OK;
        }
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "%s is not supported by tscript (no operator %s)",
                       strncmp(op, "aten::", 6) == 0 ? op + 6 : op, op);
    }
    IValue iv[MAX_OP_ARGS_PY], kv[MAX_OP_ARGS_PY];
    int ni = 0, nk = 0;
    ts_status st = TS_OK;
    if (nargs > MAX_OP_ARGS_PY || nkw > MAX_OP_ARGS_PY) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "too many arguments for %s", op);
    for (; ni < nargs && st == TS_OK; ni++) {
        st = pv_to_iv(S, args[ni], sp, &iv[ni]);
        if (st != TS_OK) break;
    }
    for (; nk < nkw && st == TS_OK; nk++) {
        st = pv_to_iv(S, kwv[nk], sp, &kv[nk]);
        if (st != TS_OK) break;
    }
    if (st != TS_OK) goto done;
    st = TS_ERR_TYPE;
    for (const OpSchema *s = first; s; s = s->next_overload) {
        IValue in[MAX_OP_ARGS_PY];
        bool set[MAX_OP_ARGS_PY];
        if (s->nargs > MAX_OP_ARGS_PY || s->varargs) continue;
        memset(set, 0, sizeof set);
        bool ok = true;
        int p = 0;
        /* torch.zeros(2, 3), t.view(1, 3, 1, 1): int varargs are the size list (the first formal, or
         * the last positional one after self) */
        int at = pack_position(s, iv, ni);
        if (at >= 0) {
            for (int i = 0; i < at && ok; i++, p++) {
                if (!fit(S, iv[i], &s->args[p], s->args[p].type, &in[p])) {
                    ok = false;
                    break;
                }
                set[p] = true;
            }
            int k = at;
            while (k < ni && iv[k].kind == IV_INT) k++;
            if (ok) {
                ListObj *l = list_new(s->args[at].type->elems[0], k - at);
                for (int i = at; i < k; i++) list_push_steal(l, iv_dup(iv[i]));
                in[at] = iv_list_steal(l);
                set[at] = true;
                p = at + 1;
            }
            for (int i = k; i < ni && ok; i++, p++) {
                if (p >= s->nargs || s->args[p].kwarg_only || !fit(S, iv[i], &s->args[p], s->args[p].type, &in[p])) {
                    ok = false;
                    break;
                }
                set[p] = true;
            }
        } else {
            for (int i = 0; i < ni && ok; i++, p++) {
                if (p >= s->nargs || s->args[p].kwarg_only || !fit(S, iv[i], &s->args[p], s->args[p].type, &in[p])) {
                    ok = false;
                    break;
                }
                set[p] = true;
            }
        }
        for (int k = 0; k < nk && ok; k++) {
            int j;
            for (j = 0; j < s->nargs && strcmp(s->args[j].name, kwn[k]) != 0; j++) {}
            if (j >= s->nargs || set[j] || !fit(S, kv[k], &s->args[j], s->args[j].type, &in[j])) {
                ok = false;
                break;
            }
            set[j] = true;
        }
        for (int j = 0; j < s->nargs && ok; j++) {
            if (set[j]) continue;
            if (!s->args[j].has_default) { ok = false; break; }
            in[j] = iv_dup(s->args[j].default_value);
            set[j] = true;
        }
        if (!ok) {
            for (int j = 0; j < s->nargs; j++)
                if (set[j]) iv_release(in[j]);
            continue;
        }
        IValue outs[8];
        Type *otypes[8];
        int nret = s->nret < 8 ? s->nret : 8;
        for (int j = 0; j < nret; j++) otypes[j] = s->rets[j].type;
        OpInfo info = {s, otypes, nret, NULL};
        st = s->fn(S->ctx, in, s->nargs, outs, &info);
        if (s->writes) op_bump_written(s, in, s->nargs);
        if (st == TS_OK && S->ctx->grad_names) grad_names_after(S->ctx, s, in, s->nargs, outs, nret);
        for (int j = 0; j < s->nargs; j++) iv_release(in[j]);
        if (st == TS_OK) {
            if (nret == 1) {
                *out = pv_from_iv(outs[0]);
                iv_release(outs[0]);
            } else {
                PV t = pv_tuple_new();
                for (int j = 0; j < nret; j++) {
                    pv_seq_push_steal(t, pv_from_iv(outs[j]));
                    iv_release(outs[j]);
                }
                *out = t;
            }
        } else if (S->ctx->fail_span.src == NULL && sp) {
            /* the op's message, placed at the call */
            StrBuf m;
            sb_init(&m);
            sb_puts(&m, sb_cstr(&S->ctx->text));
            st = ts_fail(S->ctx, st, sp, "%s", sb_cstr(&m));
            sb_free(&m);
        }
        goto done;
    }
    {
        StrBuf sb;
        sb_init(&sb);
        for (int i = 0; i < nargs; i++) sb_printf(&sb, "%s%s", i ? ", " : "", pv_type_name(args[i]));
        for (int i = 0; i < nkw; i++) sb_printf(&sb, "%s%s=%s", nargs + i ? ", " : "", kwn[i], pv_type_name(kwv[i]));
        st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "no overload of %s takes (%s)", op, sb_cstr(&sb));
        sb_free(&sb);
    }
done:
    for (int i = 0; i < ni; i++) iv_release(iv[i]);
    for (int i = 0; i < nk; i++) iv_release(kv[i]);
    return st;
}

/* ---- torch.tensor(data) ---- */

static bool data_shape(PV v, int depth, int64_t *sizes, int *ndim, bool *is_float, bool *is_bool) {
    if (pv_is_seq(v)) {
        if (depth >= TS_MAX_DIMS) return false;
        int n = pv_len(v);
        if (depth >= *ndim) {
            *ndim = depth + 1;
            sizes[depth] = n;
        } else if (sizes[depth] != n) {
            return false;
        }
        for (int i = 0; i < n; i++)
            if (!data_shape(pv_items(v)[i], depth + 1, sizes, ndim, is_float, is_bool)) return false;
        return true;
    }
    if (v.k == P_FLOAT) *is_float = true;
    else if (v.k == P_BOOL) { /* stays bool only if all are */ }
    else if (v.k == P_INT) *is_bool = false;
    else return false;
    if (v.k != P_BOOL) *is_bool = false;
    return depth == *ndim;
}

static void data_fill(PV v, DType dt, char **p) {
    if (pv_is_seq(v)) {
        for (int i = 0; i < pv_len(v); i++) data_fill(pv_items(v)[i], dt, p);
        return;
    }
    double d = v.k == P_FLOAT ? v.iv.u.d : (double)iv_scalar_i64(v.iv);
    if (v.k == P_INT && (dt == DT_INT64)) *(int64_t *)*p = v.iv.u.i;
    else dtype_store_f64(dt, *p, d);
    *p += dtype_size(dt);
}

static ts_status torch_tensor(Py *S, PV *args, int nargs, const char **kwn, PV *kwv, int nkw, const Span *sp, PV *out) {
    if (nargs != 1) return bad_args(S, sp, "torch.tensor", "one data argument");
    int64_t sizes[TS_MAX_DIMS];
    int ndim = 0;
    bool is_float = false, is_bool = true;
    if (!data_shape(args[0], 0, sizes, &ndim, &is_float, &is_bool))
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "torch.tensor(): the data must be a number or nested lists of numbers of a regular shape");
    int dt = is_float ? 6 : is_bool ? 11 : 4;
    for (int i = 0; i < nkw; i++) {
        if (strcmp(kwn[i], "dtype") == 0 && kwv[i].k == P_DTYPE) dt = (int)kwv[i].iv.u.i;
        else if (strcmp(kwn[i], "requires_grad") != 0 && strcmp(kwn[i], "device") != 0)
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "torch.tensor() got an unexpected keyword argument '%s'", kwn[i]);
    }
    Tensor *t = tensor_empty(S->ctx, (DType)dt, sizes, ndim);
    if (!t) return TS_ERR_NOMEM;
    char *p = tensor_data(t);
    data_fill(args[0], (DType)dt, &p);
    *out = pv_iv_steal(iv_tensor_steal(t));
    return TS_OK;
}

/* ---- nn.Module ---- */

static PObj *as_module(PV v) {
    return v.k == P_INST && ((PObj *)v.p)->is_module ? v.p : NULL;
}

/* exec: a compiled module (torch.jit.script / trace of an instance) */
static bool is_script_module(PV v) {
    return v.k == P_SCRIPT && !((PObj *)v.p)->sfn && !((PObj *)v.p)->mname && ((PObj *)v.p)->sobj.kind == IV_OBJECT;
}

static ts_status need_init(Py *S, PObj *o, const char *what, const char *name, const Span *sp) {
    if (o->module_init) return TS_OK;
    return ts_fail(S->ctx, TS_ERR_RUNTIME, sp, "AttributeError: cannot assign %s '%s' before Module.__init__() call "
                   "(call super().__init__() first)", what, name);
}

static void drop_everywhere(PObj *o, const char *name) {
    pmap_del(&o->dict, name);
    pmap_del(&o->params, name);
    pmap_del(&o->modules, name);
    for (int i = 0; i < o->buffers.names.len; i++)
        if (strcmp(o->buffers.names.data[i], name) == 0) {
            memmove(&o->persistent.data[i], &o->persistent.data[i + 1], sizeof(bool) * (size_t)(o->persistent.len - i - 1));
            o->persistent.len--;
            break;
        }
    pmap_del(&o->buffers, name);
}

ts_status py_setattr(Py *S, PV obj, const char *name, PV v, const Span *sp) {
    if (obj.k != P_INST) {
        pv_drop(v);
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "AttributeError: cannot set attribute '%s' of a %s", name, pv_type_name(obj));
    }
    PObj *o = obj.p;
    if (!o->is_module) {
        pmap_set_steal(&o->dict, name, v);
        return TS_OK;
    }
    ts_status st = TS_OK;
    if (v.k == P_TENSOR && v.param) {
        if ((st = need_init(S, o, "parameter", name, sp)) != TS_OK) goto fail;
        drop_everywhere(o, name);
        pmap_set_steal(&o->params, name, v);
        return TS_OK;
    }
    if (pmap_get(&o->params, name)) {
        if (v.k != P_NONE) {
            st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: cannot assign '%s' as parameter '%s' (torch.nn.Parameter or None expected)",
                         pv_type_name(v), name);
            goto fail;
        }
        pmap_set_steal(&o->params, name, v);
        return TS_OK;
    }
    if (as_module(v) || is_script_module(v)) {
        if ((st = need_init(S, o, "module", name, sp)) != TS_OK) goto fail;
        drop_everywhere(o, name);
        pmap_set_steal(&o->modules, name, v);
        return TS_OK;
    }
    if (pmap_get(&o->modules, name)) {
        if (v.k != P_NONE) {
            st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: cannot assign '%s' as child module '%s' (torch.nn.Module or None expected)",
                         pv_type_name(v), name);
            goto fail;
        }
        pmap_set_steal(&o->modules, name, v);
        return TS_OK;
    }
    if (pmap_get(&o->buffers, name)) {
        if (v.k != P_NONE && v.k != P_TENSOR) {
            st = ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: cannot assign '%s' as buffer '%s' (torch.Tensor or None expected)",
                         pv_type_name(v), name);
            goto fail;
        }
        pmap_set_steal(&o->buffers, name, v);
        return TS_OK;
    }
    pmap_set_steal(&o->dict, name, v);
    return TS_OK;
fail:
    pv_drop(v);
    return st;
}

static const char *str_arg(PV v) { return v.k == P_STR ? v.iv.u.s->data : NULL; }

static ts_status check_name(Py *S, PObj *o, const char *kind, const char *name, const Span *sp) {
    if (!name) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s name should be a string", kind);
    if (!name[0] || strchr(name, '.'))
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "KeyError: %s name can't be empty or contain \".\": '%s'", kind, name);
    if (!o->module_init)
        return ts_fail(S->ctx, TS_ERR_RUNTIME, sp, "AttributeError: cannot assign %s before Module.__init__() call", kind);
    return TS_OK;
}

static void collect_modules(PV m, PV list, bool named, const char *prefix, Arena *a) {
    PObj *o = m.p;
    if (named) {
        PV t = pv_tuple_new();
        pv_seq_push_steal(t, pv_cstr(prefix));
        pv_seq_push_steal(t, pv_dup(m));
        pv_seq_push_steal(list, t);
    } else {
        pv_seq_push_steal(list, pv_dup(m));
    }
    for (int i = 0; i < o->modules.names.len; i++)
        if (as_module(o->modules.vals.data[i]))
            collect_modules(o->modules.vals.data[i], list, named,
                            prefix[0] ? arena_printf(a, "%s.%s", prefix, o->modules.names.data[i]) : o->modules.names.data[i], a);
}

static void collect_tensors(PV m, PV list, bool named, bool params, const char *prefix, Arena *a) {
    PObj *o = m.p;
    PMap *map = params ? &o->params : &o->buffers;
    for (int i = 0; i < map->names.len; i++) {
        if (map->vals.data[i].k == P_NONE) continue;
        if (named) {
            PV t = pv_tuple_new();
            pv_seq_push_steal(t, pv_cstr(prefix[0] ? arena_printf(a, "%s.%s", prefix, map->names.data[i]) : map->names.data[i]));
            pv_seq_push_steal(t, pv_dup(map->vals.data[i]));
            pv_seq_push_steal(list, t);
        } else {
            pv_seq_push_steal(list, pv_dup(map->vals.data[i]));
        }
    }
    for (int i = 0; i < o->modules.names.len; i++)
        if (as_module(o->modules.vals.data[i]))
            collect_tensors(o->modules.vals.data[i], list, named, params,
                            prefix[0] ? arena_printf(a, "%s.%s", prefix, o->modules.names.data[i]) : o->modules.names.data[i], a);
}

static void set_training(PV m, bool mode) {
    PObj *o = m.p;
    pmap_set_steal(&o->dict, "training", pv_bool(mode));
    for (int i = 0; i < o->modules.vals.len; i++)
        if (as_module(o->modules.vals.data[i])) set_training(o->modules.vals.data[i], mode);
}

static ts_status module_method(Py *S, const char *m, PV self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                               const Span *sp, PV *out) {
    PObj *o = self.p;
    *out = pv_none();
    if (strcmp(m, "__init__") == 0) {
        if (!o->module_init) {
            o->module_init = true;
            if (!pmap_get(&o->dict, "training")) pmap_set_steal(&o->dict, "training", pv_bool(true));
            if (!pmap_get(&o->dict, "_is_full_backward_hook")) pmap_set_steal(&o->dict, "_is_full_backward_hook", pv_none());
        }
        return TS_OK;
    }
    if (strcmp(m, "register_buffer") == 0) {
        if (nargs < 2 && !(nargs == 1 && nkw >= 1)) return bad_args(S, sp, "register_buffer", "a name and a tensor");
        const char *name = str_arg(args[0]);
        TS_TRY(check_name(S, o, "buffer", name, sp));
        PV t = nargs >= 2 ? args[1] : pv_none();
        bool persistent = true;
        for (int i = 0; i < nkw; i++) {
            if (strcmp(kwn[i], "persistent") == 0) persistent = pv_truthy(kwv[i]);
            else if (strcmp(kwn[i], "tensor") == 0) t = kwv[i];
        }
        if (nargs >= 3) persistent = pv_truthy(args[2]);
        if (t.k != P_TENSOR && t.k != P_NONE)
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: cannot assign '%s' object to buffer '%s' (torch Tensor or None required)",
                           pv_type_name(t), name);
        if (pmap_get(&o->dict, name) || pmap_get(&o->params, name) || pmap_get(&o->modules, name))
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "KeyError: attribute '%s' already exists", name);
        PV tv = pv_dup(t);
        tv.param = false;
        if (!pmap_get(&o->buffers, name)) vec_push(&o->persistent, persistent);
        pmap_set_steal(&o->buffers, name, tv);
        return TS_OK;
    }
    if (strcmp(m, "register_parameter") == 0) {
        if (nargs != 2) return bad_args(S, sp, "register_parameter", "a name and a Parameter or None");
        const char *name = str_arg(args[0]);
        TS_TRY(check_name(S, o, "parameter", name, sp));
        if (args[1].k != P_NONE && !(args[1].k == P_TENSOR && args[1].param))
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: cannot assign '%s' object to parameter '%s' (torch.nn.Parameter or None required)",
                           pv_type_name(args[1]), name);
        if (pmap_get(&o->dict, name) || pmap_get(&o->buffers, name) || pmap_get(&o->modules, name))
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "KeyError: attribute '%s' already exists", name);
        pmap_set_steal(&o->params, name, pv_dup(args[1]));
        return TS_OK;
    }
    if (strcmp(m, "add_module") == 0 || strcmp(m, "register_module") == 0) {
        if (nargs != 2) return bad_args(S, sp, m, "a name and a module");
        const char *name = str_arg(args[0]);
        TS_TRY(check_name(S, o, "module", name, sp));
        if (args[1].k != P_NONE && !as_module(args[1]))
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s is not a Module subclass", pv_type_name(args[1]));
        if (pmap_get(&o->dict, name) || pmap_get(&o->params, name) || pmap_get(&o->buffers, name))
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "KeyError: attribute '%s' already exists", name);
        pmap_set_steal(&o->modules, name, pv_dup(args[1]));
        return TS_OK;
    }
    if (strcmp(m, "children") == 0 || strcmp(m, "named_children") == 0 || strcmp(m, "values") == 0 ||
        strcmp(m, "items") == 0 || strcmp(m, "keys") == 0 || strcmp(m, "__iter__") == 0) {
        bool named = m[0] == 'n' || m[0] == 'i';
        *out = pv_list_new();
        for (int i = 0; i < o->modules.names.len; i++) {
            if (m[0] == 'k') {
                pv_seq_push_steal(*out, pv_cstr(o->modules.names.data[i]));
            } else if (named) {
                PV t = pv_tuple_new();
                pv_seq_push_steal(t, pv_cstr(o->modules.names.data[i]));
                pv_seq_push_steal(t, pv_dup(o->modules.vals.data[i]));
                pv_seq_push_steal(*out, t);
            } else if (o->modules.vals.data[i].k != P_NONE) {
                pv_seq_push_steal(*out, pv_dup(o->modules.vals.data[i]));
            }
        }
        return TS_OK;
    }
    if (strcmp(m, "modules") == 0 || strcmp(m, "named_modules") == 0) {
        *out = pv_list_new();
        collect_modules(self, *out, m[0] == 'n', "", &S->arena);
        return TS_OK;
    }
    if (strcmp(m, "parameters") == 0 || strcmp(m, "named_parameters") == 0 || strcmp(m, "buffers") == 0 ||
        strcmp(m, "named_buffers") == 0) {
        *out = pv_list_new();
        bool named = m[0] == 'n';
        collect_tensors(self, *out, named, strstr(m, "param") != NULL, "", &S->arena);
        return TS_OK;
    }
    if (strcmp(m, "train") == 0 || strcmp(m, "eval") == 0) {
        set_training(self, m[0] == 't' ? (nargs ? pv_truthy(args[0]) : true) : false);
        *out = pv_dup(self);
        return TS_OK;
    }
    if (strcmp(m, "apply") == 0) {
        if (nargs != 1) return bad_args(S, sp, "apply", "one function");
        for (int i = 0; i < o->modules.vals.len; i++) {
            PV child = o->modules.vals.data[i], r;
            if (!as_module(child)) continue;
            PV f;
            TS_TRY(py_getattr(S, child, "apply", sp, &f));
            ts_status st = py_call(S, f, args, 1, NULL, NULL, 0, sp, &r);
            pv_drop(f);
            TS_TRY(st);
            pv_drop(r);
        }
        PV r;
        TS_TRY(py_call(S, args[0], &self, 1, NULL, NULL, 0, sp, &r));
        pv_drop(r);
        *out = pv_dup(self);
        return TS_OK;
    }
    if (strcmp(m, "extra_repr") == 0) { *out = pv_cstr(""); return TS_OK; }
    if (strcmp(m, "_get_name") == 0) { *out = pv_cstr(o->cls->name); return TS_OK; }
    if (strcmp(m, "__len__") == 0) { *out = pv_int(o->modules.names.len); return TS_OK; }
    if (strcmp(m, "requires_grad_") == 0 || strcmp(m, "to") == 0 || strcmp(m, "float") == 0 ||
        strcmp(m, "cpu") == 0 || strcmp(m, "zero_grad") == 0) {
        *out = pv_dup(self);
        return TS_OK;
    }
    if (strcmp(m, "append") == 0) {
        if (nargs != 1) return bad_args(S, sp, "append", "one module");
        char name[32];
        snprintf(name, sizeof name, "%d", o->modules.names.len);
        PV a[2] = {pv_cstr(name), args[0]};
        PV r;
        ts_status st = module_method(S, "add_module", self, a, 2, NULL, NULL, 0, sp, &r);
        pv_drop(a[0]);
        TS_TRY(st);
        *out = pv_dup(self);
        return TS_OK;
    }
    if (strcmp(m, "extend") == 0) {
        if (nargs != 1 || !pv_is_seq(args[0])) return bad_args(S, sp, "extend", "a list of modules");
        for (int i = 0; i < pv_len(args[0]); i++) {
            PV r;
            TS_TRY(module_method(S, "append", self, &pv_items(args[0])[i], 1, NULL, NULL, 0, sp, &r));
            pv_drop(r);
        }
        *out = pv_dup(self);
        return TS_OK;
    }
    if (strcmp(m, "update") == 0) {
        if (nargs != 1 || args[0].k != P_DICT) return bad_args(S, sp, "update", "a dict of modules");
        PObj *d = args[0].p;
        for (int i = 0; i < d->items.len; i++) {
            PV a[2] = {d->items.data[i], d->vals.data[i]}, r;
            TS_TRY(module_method(S, "add_module", self, a, 2, NULL, NULL, 0, sp, &r));
        }
        return TS_OK;
    }
    if (strcmp(m, "forward") == 0)
        return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "NotImplementedError: Module [%s] is missing the required \"forward\" function",
                       o->cls->name);
    return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "nn.Module.%s is not supported by tscript's evaluator", m);
}

/* copy.deepcopy: a module tree with its own tensors (cloned), shared boxes
 * copied once (memo: from[i] was copied to to[i], which holds a reference). */
static ts_status deep_copy(Py *S, PV v, PVVec *from, PVVec *to, const Span *sp, PV *out);

static ts_status copy_map(Py *S, PMap *dst, const PMap *src, PVVec *from, PVVec *to, const Span *sp) {
    for (int i = 0; i < src->names.len; i++) {
        PV c;
        TS_TRY(deep_copy(S, src->vals.data[i], from, to, sp, &c));
        pmap_set_steal(dst, src->names.data[i], c);
    }
    return TS_OK;
}

static ts_status deep_copy(Py *S, PV v, PVVec *from, PVVec *to, const Span *sp, PV *out) {
    TS_TRY(ctx_poll(S->ctx, sp));
    if (v.k == P_TENSOR) {
        TS_TRY(py_call_op(S, "aten::clone", &v, 1, NULL, NULL, 0, sp, out));
        out->param = v.param;
        return TS_OK;
    }
    if (v.k != P_LIST && v.k != P_TUPLE && v.k != P_DICT && v.k != P_INST) {
        *out = pv_dup(v); /* scalars, strings, classes, functions, bound methods: shared */
        return TS_OK;
    }
    for (int i = 0; i < from->len; i++)
        if (from->data[i].p == v.p) {
            *out = pv_dup(to->data[i]);
            return TS_OK;
        }
    PObj *o = v.p, *c = pobj_new(o->k);
    PV r = pv_obj_steal(c);
    vec_push(from, v);
    vec_push(to, pv_dup(r));
    ts_status st = TS_OK;
    for (int i = 0; i < o->items.len && st == TS_OK; i++) {
        PV x;
        st = deep_copy(S, o->items.data[i], from, to, sp, &x);
        if (st == TS_OK) vec_push(&c->items, x);
    }
    for (int i = 0; i < o->vals.len && st == TS_OK; i++) {
        PV x;
        st = deep_copy(S, o->vals.data[i], from, to, sp, &x);
        if (st == TS_OK) vec_push(&c->vals, x);
    }
    if (o->k == P_INST) {
        c->cls = o->cls;
        c->is_module = o->is_module;
        c->module_init = o->module_init;
        if (st == TS_OK) st = copy_map(S, &c->dict, &o->dict, from, to, sp);
        if (st == TS_OK) st = copy_map(S, &c->params, &o->params, from, to, sp);
        if (st == TS_OK) st = copy_map(S, &c->buffers, &o->buffers, from, to, sp);
        if (st == TS_OK) st = copy_map(S, &c->modules, &o->modules, from, to, sp);
        for (int i = 0; i < o->persistent.len; i++) vec_push(&c->persistent, o->persistent.data[i]);
    }
    if (st != TS_OK) {
        pv_drop(r);
        return st;
    }
    *out = r;
    return TS_OK;
}

/* ---- builtins ---- */

static bool isinstance1(Py *S, PV v, PV c) {
    if (c.k == P_TUPLE) {
        for (int i = 0; i < pv_len(c); i++)
            if (isinstance1(S, v, pv_items(c)[i])) return true;
        return false;
    }
    if (c.k == P_CLASS) {
        if (v.k != P_INST) return false;
        PClass *want = c.p;
        PClass *mro[64];
        /* walk bases */
        int n = 0;
        mro[n++] = ((PObj *)v.p)->cls;
        for (int i = 0; i < n; i++) {
            if (mro[i] == want) return true;
            for (int k = 0; k < mro[i]->bases.len && n < 64; k++) mro[n++] = mro[i]->bases.data[k];
        }
        return false;
    }
    const char *n = c.p;
    if (c.k != P_BUILTIN && c.k != P_MARK) return false;
    if (!n) return false;
    const char *dot = strrchr(n, '.');
    const char *last = dot ? dot + 1 : n;
    if (strcmp(last, "int") == 0 || strcmp(last, "Integral") == 0) return v.k == P_INT || v.k == P_BOOL;
    if (strcmp(last, "float") == 0 || strcmp(last, "Real") == 0) return v.k == P_FLOAT || (last[0] == 'R' && (v.k == P_INT || v.k == P_BOOL));
    if (strcmp(last, "Number") == 0) return v.k == P_INT || v.k == P_FLOAT || v.k == P_BOOL;
    if (strcmp(last, "bool") == 0) return v.k == P_BOOL;
    if (strcmp(last, "str") == 0) return v.k == P_STR;
    if (strcmp(last, "list") == 0 || strcmp(last, "List") == 0) return v.k == P_LIST;
    if (strcmp(last, "tuple") == 0 || strcmp(last, "Tuple") == 0) return v.k == P_TUPLE;
    if (strcmp(last, "dict") == 0 || strcmp(last, "OrderedDict") == 0 || strcmp(last, "Dict") == 0) return v.k == P_DICT;
    if (strcmp(last, "Tensor") == 0) return v.k == P_TENSOR;
    if (strcmp(last, "Parameter") == 0) return v.k == P_TENSOR && v.param;
    TS_UNUSED(S);
    return false;
}

static ts_status to_number(Py *S, const char *name, PV v, const Span *sp, PV *out) {
    bool want_int = strcmp(name, "int") == 0;
    if (v.k == P_INT || v.k == P_BOOL || v.k == P_FLOAT) {
        if (want_int) {
            if (v.k == P_FLOAT && !isfinite(v.iv.u.d)) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: cannot convert float %g to integer", v.iv.u.d);
            *out = pv_int(v.k == P_FLOAT ? (int64_t)v.iv.u.d : iv_scalar_i64(v.iv));
        } else {
            *out = pv_float(v.k == P_FLOAT ? v.iv.u.d : (double)iv_scalar_i64(v.iv));
        }
        return TS_OK;
    }
    if (v.k == P_STR) {
        char *end;
        const char *s = v.iv.u.s->data;
        if (want_int) {
            long long x = strtoll(s, &end, 10);
            if (end != s && !*end) { *out = pv_int(x); return TS_OK; }
        } else {
            double x = strtod(s, &end);
            if (end != s && !*end) { *out = pv_float(x); return TS_OK; }
        }
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: invalid literal for %s(): '%s'", name, s);
    }
    if (v.k == P_TENSOR) return py_call_op(S, want_int ? "aten::Int" : "aten::Float", &v, 1, NULL, NULL, 0, sp, out);
    return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() argument must be a string or a number, not '%s'", name, pv_type_name(v));
}

static ts_status seq_method(Py *S, const char *m, PV self, PV *args, int nargs, const char **kwn, PV *kwv, int nkw,
                            const Span *sp, PV *out) {
    *out = pv_none();
    if (strcmp(m, "list.append") == 0 && nargs == 1) { pv_seq_push_steal(self, pv_dup(args[0])); return TS_OK; }
    if (strcmp(m, "list.extend") == 0 && nargs == 1 && pv_is_seq(args[0])) {
        int n = pv_len(args[0]);
        for (int i = 0; i < n; i++) pv_seq_push_steal(self, pv_dup(pv_items(args[0])[i]));
        return TS_OK;
    }
    if (strcmp(m, "list.insert") == 0 && nargs == 2 && args[0].k == P_INT) {
        PObj *o = self.p;
        int64_t i = args[0].iv.u.i, n = o->items.len;
        if (i < 0) i += n;
        i = i < 0 ? 0 : i > n ? n : i;
        vec_push(&o->items, pv_none());
        memmove(&o->items.data[i + 1], &o->items.data[i], sizeof(PV) * (size_t)(n - i));
        o->items.data[i] = pv_dup(args[1]);
        return TS_OK;
    }
    if (strcmp(m, "list.pop") == 0 && nargs <= 1) {
        PObj *o = self.p;
        if (!o->items.len) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: pop from empty list");
        int64_t i = nargs ? iv_scalar_i64(args[0].iv) : o->items.len - 1;
        if (i < 0) i += o->items.len;
        if (i < 0 || i >= o->items.len) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "IndexError: pop index out of range");
        *out = o->items.data[i];
        memmove(&o->items.data[i], &o->items.data[i + 1], sizeof(PV) * (size_t)(o->items.len - i - 1));
        o->items.len--;
        return TS_OK;
    }
    if ((strcmp(m, "list.index") == 0 || strcmp(m, "tuple.index") == 0) && nargs == 1) {
        for (int i = 0; i < pv_len(self); i++)
            if (pv_eq(pv_items(self)[i], args[0])) { *out = pv_int(i); return TS_OK; }
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: value is not in list");
    }
    if ((strcmp(m, "list.count") == 0 || strcmp(m, "tuple.count") == 0) && nargs == 1) {
        int c = 0;
        for (int i = 0; i < pv_len(self); i++) c += pv_eq(pv_items(self)[i], args[0]);
        *out = pv_int(c);
        return TS_OK;
    }
    if (self.k == P_DICT) {
        PObj *d = self.p;
        if (strcmp(m, "dict.items") == 0 || strcmp(m, "dict.keys") == 0 || strcmp(m, "dict.values") == 0) {
            *out = pv_list_new();
            for (int i = 0; i < d->items.len; i++) {
                if (m[5] == 'k') pv_seq_push_steal(*out, pv_dup(d->items.data[i]));
                else if (m[5] == 'v') pv_seq_push_steal(*out, pv_dup(d->vals.data[i]));
                else {
                    PV t = pv_tuple_new();
                    pv_seq_push_steal(t, pv_dup(d->items.data[i]));
                    pv_seq_push_steal(t, pv_dup(d->vals.data[i]));
                    pv_seq_push_steal(*out, t);
                }
            }
            return TS_OK;
        }
        if (strcmp(m, "dict.get") == 0 && nargs >= 1 && nargs <= 2) {
            PV *v = pdict_find(d, args[0]);
            *out = v ? pv_dup(*v) : nargs == 2 ? pv_dup(args[1]) : pv_none();
            return TS_OK;
        }
        if (strcmp(m, "dict.update") == 0 && nargs == 1 && args[0].k == P_DICT) {
            PObj *o = args[0].p;
            for (int i = 0; i < o->items.len; i++) pdict_set_steal(d, pv_dup(o->items.data[i]), pv_dup(o->vals.data[i]));
            return TS_OK;
        }
        if (strcmp(m, "dict.pop") == 0 && nargs >= 1) {
            for (int i = 0; i < d->items.len; i++)
                if (pv_eq(d->items.data[i], args[0])) {
                    *out = d->vals.data[i];
                    pv_drop(d->items.data[i]);
                    memmove(&d->items.data[i], &d->items.data[i + 1], sizeof(PV) * (size_t)(d->items.len - i - 1));
                    memmove(&d->vals.data[i], &d->vals.data[i + 1], sizeof(PV) * (size_t)(d->vals.len - i - 1));
                    d->items.len--;
                    d->vals.len--;
                    return TS_OK;
                }
            if (nargs == 2) { *out = pv_dup(args[1]); return TS_OK; }
            return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "KeyError in dict.pop");
        }
    }
    if (self.k == P_STR) {
        const char *s = self.iv.u.s->data;
        if (strcmp(m, "str.format") == 0) return py_str_format(S, self, args, nargs, kwn, kwv, nkw, sp, out);
        if (strcmp(m, "str.join") == 0 && nargs == 1 && pv_is_seq(args[0])) {
            StrBuf sb;
            sb_init(&sb);
            for (int i = 0; i < pv_len(args[0]); i++) {
                if (i) sb_puts(&sb, s);
                pv_str_of(&sb, pv_items(args[0])[i], false);
            }
            *out = pv_str(sb_cstr(&sb), sb.len);
            sb_free(&sb);
            return TS_OK;
        }
        if ((strcmp(m, "str.startswith") == 0 || strcmp(m, "str.endswith") == 0) && nargs == 1 && args[0].k == P_STR) {
            size_t n = strlen(s), k = (size_t)args[0].iv.u.s->len;
            bool r = k <= n && memcmp(m[4] == 's' ? s : s + n - k, args[0].iv.u.s->data, k) == 0;
            *out = pv_bool(r);
            return TS_OK;
        }
        if (strcmp(m, "str.upper") == 0 || strcmp(m, "str.lower") == 0) {
            char *c = ts_strdup(s);
            for (char *p = c; *p; p++) *p = m[4] == 'u' ? (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p) : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            *out = pv_cstr(c);
            ts_free(c);
            return TS_OK;
        }
    }
    return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "%s() with these arguments is not supported by tscript's evaluator", m);
}

static ts_status range_list(Py *S, PV *args, int nargs, const Span *sp, PV *out) {
    int64_t a[3] = {0, 0, 1};
    if (nargs < 1 || nargs > 3) return bad_args(S, sp, "range", "1 to 3 integers");
    for (int i = 0; i < nargs; i++) {
        if (args[i].k != P_INT && args[i].k != P_BOOL) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: range() arguments must be integers, not %s", pv_type_name(args[i]));
        a[nargs == 1 ? 1 : i] = iv_scalar_i64(args[i].iv);
    }
    if (a[2] == 0) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: range() arg 3 must not be zero");
    *out = pv_list_new();
    int64_t count = 0;
    for (int64_t i = a[0]; a[2] > 0 ? i < a[1] : i > a[1]; i += a[2]) {
        if (++count > 10000000) {
            pv_drop(*out);
            return ts_fail(S->ctx, TS_ERR_VALUE, sp, "range() of more than 10 million items is not supported in __init__");
        }
        if ((count & 4095) == 0) TS_TRY(ctx_poll(S->ctx, sp));
        pv_seq_push_steal(*out, pv_int(i));
        if (a[2] > 0 ? i > INT64_MAX - a[2] : i < INT64_MIN - a[2]) break;
    }
    return TS_OK;
}

static ts_status minmax(Py *S, bool is_max, PV *args, int nargs, const Span *sp, PV *out) {
    PV *items = args;
    int n = nargs;
    if (nargs == 1 && pv_is_seq(args[0])) { items = pv_items(args[0]); n = pv_len(args[0]); }
    if (n == 0) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: %s() arg is an empty sequence", is_max ? "max" : "min");
    int best = 0;
    for (int i = 1; i < n; i++) {
        if (!((items[i].k == P_INT || items[i].k == P_FLOAT || items[i].k == P_BOOL) &&
              (items[best].k == P_INT || items[best].k == P_FLOAT || items[best].k == P_BOOL)))
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() of %s values", is_max ? "max" : "min", pv_type_name(items[i]));
        double x = iv_scalar_f64(items[i].iv), y = iv_scalar_f64(items[best].iv);
        if (is_max ? x > y : x < y) best = i;
    }
    *out = pv_dup(items[best]);
    return TS_OK;
}

static const char *const MATH_FNS[] = {"sqrt", "log", "exp", "floor", "ceil", "cos", "sin", "tan", "atan", "fabs",
                                       "log2", "log10", "erf", "tanh", "isnan", "isinf", "gcd", "pow", "atan2",
                                       "isclose", "prod", "log1p", "expm1", "trunc", "copysign", "hypot", "acos", "asin"};

static ts_status math_fn(Py *S, const char *f, PV *args, int nargs, const Span *sp, PV *out) {
    if (strcmp(f, "prod") == 0 && nargs == 1 && pv_is_seq(args[0])) {
        PV acc = pv_int(1);
        for (int i = 0; i < pv_len(args[0]); i++) {
            PV r;
            ts_status st = TS_OK;
            PV x = pv_items(args[0])[i];
            if (acc.k == P_INT && x.k == P_INT) {
                int64_t p;
                if (__builtin_mul_overflow(acc.iv.u.i, x.iv.u.i, &p)) st = ts_fail(S->ctx, TS_ERR_VALUE, sp, "OverflowError in math.prod");
                r = pv_int(p);
            } else {
                r = pv_float(iv_scalar_f64(acc.iv) * iv_scalar_f64(x.iv));
            }
            TS_TRY(st);
            acc = r;
        }
        *out = acc;
        return TS_OK;
    }
    for (int i = 0; i < nargs; i++)
        if (args[i].k != P_INT && args[i].k != P_FLOAT && args[i].k != P_BOOL)
            return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: math.%s() needs numbers, not %s", f, pv_type_name(args[i]));
    double x = nargs > 0 ? iv_scalar_f64(args[0].iv) : 0, y = nargs > 1 ? iv_scalar_f64(args[1].iv) : 0;
    int need = (strcmp(f, "pow") == 0 || strcmp(f, "atan2") == 0 || strcmp(f, "gcd") == 0 || strcmp(f, "isclose") == 0 ||
                strcmp(f, "copysign") == 0 || strcmp(f, "hypot") == 0) ? 2 : 1;
    if (strcmp(f, "log") == 0 && nargs == 2) need = 2;
    if (nargs != need) return bad_args(S, sp, f, need == 2 ? "two numbers" : "one number");
    if (strcmp(f, "floor") == 0 || strcmp(f, "ceil") == 0 || strcmp(f, "trunc") == 0) {
        double r = f[0] == 'f' ? floor(x) : f[0] == 'c' ? ceil(x) : trunc(x);
        if (!isfinite(r) || fabs(r) > 9.2e18) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "OverflowError: cannot convert to integer");
        *out = pv_int((int64_t)r);
        return TS_OK;
    }
    if (strcmp(f, "gcd") == 0) {
        int64_t a = llabs(iv_scalar_i64(args[0].iv)), b = llabs(iv_scalar_i64(args[1].iv));
        while (b) { int64_t t = a % b; a = b; b = t; }
        *out = pv_int(a);
        return TS_OK;
    }
    if (strcmp(f, "isnan") == 0) { *out = pv_bool(isnan(x)); return TS_OK; }
    if (strcmp(f, "isinf") == 0) { *out = pv_bool(isinf(x)); return TS_OK; }
    if (strcmp(f, "isclose") == 0) { *out = pv_bool(fabs(x - y) <= fmax(1e-9 * fmax(fabs(x), fabs(y)), 0.0)); return TS_OK; }
    if ((strcmp(f, "sqrt") == 0 && x < 0) || ((strcmp(f, "log") == 0 || strcmp(f, "log2") == 0 || strcmp(f, "log10") == 0) && x <= 0))
        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: math domain error");
    double r;
    if (strcmp(f, "sqrt") == 0) r = sqrt(x);
    else if (strcmp(f, "log") == 0) r = nargs == 2 ? log(x) / log(y) : log(x);
    else if (strcmp(f, "exp") == 0) r = exp(x);
    else if (strcmp(f, "cos") == 0) r = cos(x);
    else if (strcmp(f, "sin") == 0) r = sin(x);
    else if (strcmp(f, "tan") == 0) r = tan(x);
    else if (strcmp(f, "atan") == 0) r = atan(x);
    else if (strcmp(f, "acos") == 0) r = acos(x);
    else if (strcmp(f, "asin") == 0) r = asin(x);
    else if (strcmp(f, "fabs") == 0) r = fabs(x);
    else if (strcmp(f, "log2") == 0) r = log2(x);
    else if (strcmp(f, "log10") == 0) r = log10(x);
    else if (strcmp(f, "log1p") == 0) r = log1p(x);
    else if (strcmp(f, "expm1") == 0) r = expm1(x);
    else if (strcmp(f, "erf") == 0) r = erf(x);
    else if (strcmp(f, "tanh") == 0) r = tanh(x);
    else if (strcmp(f, "pow") == 0) r = pow(x, y);
    else if (strcmp(f, "atan2") == 0) r = atan2(x, y);
    else if (strcmp(f, "copysign") == 0) r = copysign(x, y);
    else r = hypot(x, y);
    *out = pv_float(r);
    return TS_OK;
}

/* The dtype of a cast method (x.float() is x.to(torch.float32)), or -1. */
static int tensor_cast_code(const char *m) {
    static const char *const casts[] = {"float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool"};
    static const char *const dtypes[] = {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"};
    for (size_t i = 0; i < TS_ARRAY_LEN(casts); i++)
        if (strcmp(casts[i], m) == 0) return py_dtype_code(dtypes[i]);
    return -1;
}

/* The op behind a torch.Tensor method whose name is not the op's own. */
static const char *tensor_method_op(const char *m) {
    static const char *const alias[][2] = {{"ndimension", "dim"}, {"nelement", "numel"}, {"absolute", "abs"},
                                           {"negative", "neg"}, {"multiply", "mul"}, {"divide", "div"},
                                           {"subtract", "sub"}, {"greater", "gt"}, {"less", "lt"}};
    for (size_t i = 0; i < TS_ARRAY_LEN(alias); i++)
        if (strcmp(alias[i][0], m) == 0) return alias[i][1];
    return m;
}

ts_status py_call_builtin(Py *S, const char *name, PV *selfp, PV *args, int nargs, const char **kwn, PV *kwv,
                          int nkw, const Span *sp, PV *out) {
    *out = pv_none();
    if (S->exec) {
        bool handled = false;
        TS_TRY(pyexec_builtin(S, name, selfp, args, nargs, kwn, kwv, nkw, sp, out, &handled));
        if (handled) return TS_OK;
    }
    bool handled;
    ts_status more = py_builtin_more(S, name, selfp, args, nargs, kwn, kwv, nkw, sp, out, &handled);
    if (handled) return more;
    if (selfp) {
        PV self = *selfp;
        if (strncmp(name, "module.", 7) == 0) return module_method(S, name + 7, self, args, nargs, kwn, kwv, nkw, sp, out);
        if (strncmp(name, "tensor.", 7) == 0 && nargs == 0 && nkw == 0 && tensor_cast_code(name + 7) >= 0) {
            /* x.float(), x.long(): Tensor.to(dtype) */
            PV a[2] = {self, pv_none()};
            a[1].k = P_DTYPE;
            a[1].iv = iv_int(tensor_cast_code(name + 7));
            return py_call_op(S, "aten::to", a, 2, NULL, NULL, 0, sp, out);
        }
        if (strcmp(name, "tensor.tolist") == 0 && nargs == 0) return pyt_tolist(S, self, sp, out);
        if ((strcmp(name, "tensor.cpu") == 0 || strcmp(name, "tensor.requires_grad_") == 0) && nargs <= 1) {
            *out = pv_dup(self);
            return TS_OK;
        }
        if (strncmp(name, "tensor.", 7) == 0) {
            PV *full = ts_xmalloc(sizeof(PV) * (size_t)(nargs + 1));
            full[0] = self;
            for (int i = 0; i < nargs; i++) full[i + 1] = args[i];
            char *op = arena_printf(&S->arena, "aten::%s", tensor_method_op(name + 7));
            ts_status st;
            if (strcmp(name + 7, "size") == 0 && nargs == 0) st = py_call_op(S, op, full, 1, kwn, kwv, nkw, sp, out);
            else st = py_call_op(S, op, full, nargs + 1, kwn, kwv, nkw, sp, out);
            ts_free(full);
            if (st == TS_OK && out->k == P_TENSOR && self.param && out->iv.u.t == self.iv.u.t) out->param = true;
            return st;
        }
        if (strcmp(name, "object.__init__") == 0) return TS_OK;
        return seq_method(S, name, self, args, nargs, kwn, kwv, nkw, sp, out);
    }
    if (nkw && strncmp(name, "torch.", 6) != 0 && strcmp(name, "Parameter") != 0 && strcmp(name, "boolean_dispatch") != 0 && strcmp(name, "sorted") != 0 &&
        strcmp(name, "print") != 0 && strcmp(name, "warnings.warn") != 0 && strcmp(name, "collections.OrderedDict") != 0 &&
        strcmp(name, "dict") != 0)
        return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: %s() takes no keyword arguments", name);
    if (strcmp(name, "range") == 0) return range_list(S, args, nargs, sp, out);
    if (strcmp(name, "len") == 0) {
        if (nargs != 1) return bad_args(S, sp, "len", "exactly one argument");
        PV v = args[0];
        if (pv_is_seq(v) || v.k == P_DICT) *out = pv_int(pv_len(v));
        else if (v.k == P_STR) *out = pv_int(v.iv.u.s->len);
        else if (as_module(v)) *out = pv_int(((PObj *)v.p)->modules.names.len);
        else if (v.k == P_TENSOR) {
            PV sz;
            TS_TRY(py_call_op(S, "aten::size", &v, 1, NULL, NULL, 0, sp, &sz));
            if (pv_len(sz) == 0) {
                pv_drop(sz);
                return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: len() of a 0-d tensor");
            }
            *out = pv_dup(pv_items(sz)[0]);
            pv_drop(sz);
        } else return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: object of type '%s' has no len()", pv_type_name(v));
        return TS_OK;
    }
    if (strcmp(name, "int") == 0 || strcmp(name, "float") == 0) {
        if (nargs == 0) { *out = name[0] == 'i' ? pv_int(0) : pv_float(0); return TS_OK; }
        if (nargs != 1) return bad_args(S, sp, name, "one argument");
        return to_number(S, name, args[0], sp, out);
    }
    if (strcmp(name, "bool") == 0) {
        bool b = false;
        if (nargs && args[0].k == P_TENSOR) TS_TRY(pyt_truthy(S, args[0], sp, &b));
        else b = nargs ? pv_truthy(args[0]) : false;
        *out = pv_bool(b);
        return TS_OK;
    }
    if (strcmp(name, "str") == 0) {
        StrBuf sb;
        sb_init(&sb);
        if (nargs) pv_str_of(&sb, args[0], false);
        *out = pv_str(sb_cstr(&sb), sb.len);
        sb_free(&sb);
        return TS_OK;
    }
    if (strcmp(name, "list") == 0 || strcmp(name, "tuple") == 0 || strcmp(name, "sorted") == 0 || strcmp(name, "reversed") == 0 ||
        strcmp(name, "iter") == 0) {
        PV r = name[0] == 't' ? pv_tuple_new() : pv_list_new();
        if (nargs == 1) {
            PV v = args[0];
            if (as_module(v)) {
                PObj *o = v.p;
                for (int i = 0; i < o->modules.vals.len; i++) pv_seq_push_steal(r, pv_dup(o->modules.vals.data[i]));
            } else if (pv_is_seq(v) || v.k == P_DICT) {
                for (int i = 0; i < pv_len(v); i++) pv_seq_push_steal(r, pv_dup(pv_items(v)[i]));
            } else if (v.k == P_STR) {
                for (int64_t i = 0; i < v.iv.u.s->len; i++) pv_seq_push_steal(r, pv_str(v.iv.u.s->data + i, 1));
            } else {
                pv_drop(r);
                return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: '%s' object is not iterable", pv_type_name(v));
            }
        }
        PObj *o = r.p;
        if (name[0] == 'r')
            for (int i = 0; i < o->items.len / 2; i++) {
                PV t = o->items.data[i];
                o->items.data[i] = o->items.data[o->items.len - 1 - i];
                o->items.data[o->items.len - 1 - i] = t;
            }
        if (name[0] == 's')
            for (int i = 1; i < o->items.len; i++)
                for (int k = i; k > 0; k--) {
                    PV a = o->items.data[k - 1], b = o->items.data[k];
                    bool gt;
                    bool bothnum = (a.k == P_INT || a.k == P_FLOAT) && (b.k == P_INT || b.k == P_FLOAT);
                    if (bothnum) gt = iv_scalar_f64(a.iv) > iv_scalar_f64(b.iv);
                    else if (a.k == P_STR && b.k == P_STR) gt = strcmp(a.iv.u.s->data, b.iv.u.s->data) > 0;
                    else { pv_drop(r); return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: sorted() of %s values", pv_type_name(a)); }
                    if (!gt) break;
                    o->items.data[k - 1] = b;
                    o->items.data[k] = a;
                }
        *out = r;
        return TS_OK;
    }
    if (strcmp(name, "dict") == 0 || strcmp(name, "collections.OrderedDict") == 0) {
        PObj *d = pobj_new(P_DICT);
        *out = pv_obj_steal(d);
        if (nargs == 1) {
            PV v = args[0];
            if (v.k == P_DICT) {
                PObj *o = v.p;
                for (int i = 0; i < o->items.len; i++) pdict_set_steal(d, pv_dup(o->items.data[i]), pv_dup(o->vals.data[i]));
            } else if (pv_is_seq(v)) {
                for (int i = 0; i < pv_len(v); i++) {
                    PV kv = pv_items(v)[i];
                    if (!pv_is_seq(kv) || pv_len(kv) != 2) {
                        pv_drop(*out);
                        return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ValueError: dictionary update sequence element #%d has the wrong length", i);
                    }
                    pdict_set_steal(d, pv_dup(pv_items(kv)[0]), pv_dup(pv_items(kv)[1]));
                }
            }
        }
        for (int i = 0; i < nkw; i++) pdict_set_steal(d, pv_cstr(kwn[i]), pv_dup(kwv[i]));
        return TS_OK;
    }
    if (strcmp(name, "isinstance") == 0) {
        if (nargs != 2) return bad_args(S, sp, "isinstance", "2 arguments");
        *out = pv_bool(isinstance1(S, args[0], args[1]));
        return TS_OK;
    }
    if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) return minmax(S, name[1] == 'a', args, nargs, sp, out);
    if (strcmp(name, "abs") == 0 && nargs == 1) {
        if (args[0].k == P_FLOAT) *out = pv_float(fabs(args[0].iv.u.d));
        else if (args[0].k == P_INT) *out = pv_int(args[0].iv.u.i < 0 ? -args[0].iv.u.i : args[0].iv.u.i);
        else return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: bad operand type for abs()");
        return TS_OK;
    }
    if (strcmp(name, "sum") == 0 && nargs >= 1 && pv_is_seq(args[0])) {
        bool fl = false;
        int64_t si = nargs > 1 ? iv_scalar_i64(args[1].iv) : 0;
        double sd = (double)si;
        for (int i = 0; i < pv_len(args[0]); i++) {
            PV x = pv_items(args[0])[i];
            if (x.k == P_FLOAT) fl = true;
            else if (x.k != P_INT && x.k != P_BOOL) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: sum() of %s values", pv_type_name(x));
            sd += iv_scalar_f64(x.iv);
            si += iv_scalar_i64(x.iv);
        }
        *out = fl ? pv_float(sd) : pv_int(si);
        return TS_OK;
    }
    if (strcmp(name, "round") == 0 && nargs >= 1) {
        double x = iv_scalar_f64(args[0].iv);
        if (nargs == 1) { *out = pv_int((int64_t)nearbyint(x)); return TS_OK; }
        double p = pow(10, (double)iv_scalar_i64(args[1].iv));
        *out = pv_float(nearbyint(x * p) / p);
        return TS_OK;
    }
    if (strcmp(name, "enumerate") == 0 || strcmp(name, "zip") == 0) {
        PV lists[8];
        int nl = name[0] == 'e' ? 1 : nargs;
        if (nl > 8 || nargs < 1) return bad_args(S, sp, name, "1 to 8 iterables");
        for (int i = 0; i < nl; i++) {
            PV l;
            ts_status st = py_call_builtin(S, "list", NULL, &args[i], 1, NULL, NULL, 0, sp, &l);
            if (st != TS_OK) {
                for (int k = 0; k < i; k++) pv_drop(lists[k]);
                return st;
            }
            lists[i] = l;
        }
        int n = pv_len(lists[0]);
        for (int i = 1; i < nl; i++) n = pv_len(lists[i]) < n ? pv_len(lists[i]) : n;
        int64_t start = name[0] == 'e' && nargs > 1 ? iv_scalar_i64(args[1].iv) : 0;
        *out = pv_list_new();
        for (int i = 0; i < n; i++) {
            PV t = pv_tuple_new();
            if (name[0] == 'e') pv_seq_push_steal(t, pv_int(start + i));
            for (int k = 0; k < nl; k++) pv_seq_push_steal(t, pv_dup(pv_items(lists[k])[i]));
            pv_seq_push_steal(*out, t);
        }
        for (int k = 0; k < nl; k++) pv_drop(lists[k]);
        return TS_OK;
    }
    if (strcmp(name, "any") == 0 || strcmp(name, "all") == 0) {
        if (nargs != 1 || !pv_is_seq(args[0])) return bad_args(S, sp, name, "a list");
        bool r = name[1] == 'l';
        for (int i = 0; i < pv_len(args[0]); i++)
            if (pv_truthy(pv_items(args[0])[i]) != r) { r = !r; break; }
        *out = pv_bool(r);
        return TS_OK;
    }
    if (strcmp(name, "hasattr") == 0 || strcmp(name, "getattr") == 0) {
        if (nargs < 2 || args[1].k != P_STR) return bad_args(S, sp, name, "an object and an attribute name");
        ts_status st = py_getattr(S, args[0], args[1].iv.u.s->data, sp, out);
        if (name[0] == 'h') {
            if (st == TS_OK) pv_drop(*out);
            else if (st != TS_ERR_NOT_FOUND) return st;
            else ts_clear_error(S->ctx);
            *out = pv_bool(st == TS_OK);
            return TS_OK;
        }
        if (st == TS_ERR_NOT_FOUND && nargs == 3) {
            ts_clear_error(S->ctx);
            *out = pv_dup(args[2]);
            return TS_OK;
        }
        return st;
    }
    if (strcmp(name, "setattr") == 0) {
        if (nargs != 3 || args[1].k != P_STR) return bad_args(S, sp, name, "an object, a name and a value");
        return py_setattr(S, args[0], args[1].iv.u.s->data, pv_dup(args[2]), sp);
    }
    if (strcmp(name, "type") == 0 && nargs == 1) {
        if (args[0].k == P_INST) { *out = pv_ptr(P_CLASS, ((PObj *)args[0].p)->cls); return TS_OK; }
        *out = pv_ptr(P_BUILTIN, (void *)pv_type_name(args[0]));
        return TS_OK;
    }
    if (strcmp(name, "callable") == 0 && nargs == 1) {
        PKind k = args[0].k;
        *out = pv_bool(k == P_FUNC || k == P_CLASS || k == P_BUILTIN || k == P_BOUND || as_module(args[0]));
        return TS_OK;
    }
    if (strcmp(name, "print") == 0 || strcmp(name, "warnings.warn") == 0) return TS_OK;
    if (strcmp(name, "divmod") == 0 && nargs == 2 && args[0].k == P_INT && args[1].k == P_INT) {
        int64_t a = args[0].iv.u.i, b = args[1].iv.u.i;
        if (b == 0) return ts_fail(S->ctx, TS_ERR_VALUE, sp, "ZeroDivisionError: integer division or modulo by zero");
        int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        *out = pv_tuple_new();
        pv_seq_push_steal(*out, pv_int(q));
        pv_seq_push_steal(*out, pv_int(a - q * b));
        return TS_OK;
    }
    if (strcmp(name, "copy.deepcopy") == 0 || strcmp(name, "copy.copy") == 0) {
        if (nargs != 1) return bad_args(S, sp, name, "one value");
        if (name[5] == 'c') { *out = pv_dup(args[0]); return TS_OK; }
        PVVec memo_from = {0}, memo_to = {0};
        ts_status st = deep_copy(S, args[0], &memo_from, &memo_to, sp, out);
        for (int i = 0; i < memo_to.len; i++) pv_drop(memo_to.data[i]);
        vec_free(&memo_from);
        vec_free(&memo_to);
        return st;
    }
    if (strcmp(name, "boolean_dispatch") == 0) {
        /* Python calls if_false (every use in __init__ leaves the flag at its default);
         * compiled code picks per call site (ScriptHooks: GR_DISPATCH) */
        PV t = pv_none(), f = pv_none(), arg = pv_none(), idx = pv_none(), dflt = pv_none();
        for (int i = 0; i < nkw; i++) {
            if (strcmp(kwn[i], "if_true") == 0) t = kwv[i];
            else if (strcmp(kwn[i], "if_false") == 0) f = kwv[i];
            else if (strcmp(kwn[i], "arg_name") == 0) arg = kwv[i];
            else if (strcmp(kwn[i], "arg_index") == 0) idx = kwv[i];
            else if (strcmp(kwn[i], "default") == 0) dflt = kwv[i];
        }
        if (f.k != P_FUNC) return bad_args(S, sp, name, "if_false=");
        if (t.k != P_FUNC || arg.k != P_STR || idx.k != P_INT || dflt.k != P_BOOL) {
            *out = pv_dup(f);
            return TS_OK;
        }
        PFunc *d = arena_new(&S->arena, PFunc);
        *d = *(PFunc *)f.p;
        d->dispatch_true = t.p;
        d->dispatch_arg = arena_strdup(&S->arena, arg.iv.u.s->data);
        d->dispatch_index = (int)idx.iv.u.i;
        d->dispatch_default = dflt.iv.u.b;
        *out = pv_ptr(P_FUNC, d);
        return TS_OK;
    }
    if (strcmp(name, "Parameter") == 0) {
        PV t = nargs >= 1 ? args[0] : pv_none();
        for (int i = 0; i < nkw; i++)
            if (strcmp(kwn[i], "data") == 0) t = kwv[i];
        if (t.k != P_TENSOR) return ts_fail(S->ctx, TS_ERR_TYPE, sp, "TypeError: Parameter() needs a tensor, not %s", pv_type_name(t));
        *out = pv_dup(t);
        out->param = true;
        return TS_OK;
    }
    if (strncmp(name, "math.", 5) == 0) return math_fn(S, name + 5, args, nargs, sp, out);
    if (strncmp(name, "torch.jit.", 10) == 0) {
        if (strcmp(name + 10, "is_scripting") == 0 || strcmp(name + 10, "is_tracing") == 0) { *out = pv_bool(false); return TS_OK; }
        if (strcmp(name + 10, "script") == 0 && nargs == 1 && args[0].k == P_INST && ((PObj *)args[0].p)->is_module) {
            /* torch.jit.script(Sub()): scripted with the model, kept as a call when the model is traced */
            ((PObj *)args[0].p)->jit_scripted = true;
            *out = pv_dup(args[0]);
            return TS_OK;
        }
        if (strcmp(name + 10, "trace") == 0)
            return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp,
                           "torch.jit.trace() in a model file is not supported by tscript: build the module plainly "
                           "here (it is scripted with the model), or trace it with tscript trace / tscript exec");
        if (nargs >= 1) { *out = pv_dup(args[nargs - 1]); return TS_OK; }
        return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "%s() is not supported in __init__", name);
    }
    if (strncmp(name, "torch.", 6) == 0) {
        const char *f = name + 6;
        if (strcmp(f, "tensor") == 0 || strcmp(f, "as_tensor") == 0) return torch_tensor(S, args, nargs, kwn, kwv, nkw, sp, out);
        if (strcmp(f, "no_grad") == 0 || strcmp(f, "enable_grad") == 0) { *out = pv_ptr(P_MARK, "no_grad"); return TS_OK; }
        if (strcmp(f, "manual_seed") == 0 || strcmp(f, "set_grad_enabled") == 0) return TS_OK;
        if (strcmp(f, "is_tensor") == 0 && nargs == 1) { *out = pv_bool(args[0].k == P_TENSOR); return TS_OK; }
        if (strcmp(f, "Size") == 0) return py_call_builtin(S, "tuple", NULL, args, nargs, NULL, NULL, 0, sp, out);
        if (strcmp(f, "device") == 0) {
            if (nargs != 1 || args[0].k != P_STR) return bad_args(S, sp, "torch.device", "a device string");
            const char *d = args[0].iv.u.s->data;
            if (strncmp(d, "cpu", 3) != 0) return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "device '%s': tscript runs on the CPU only", d);
            *out = pv_iv_steal(iv_device((Device){DEVICE_CPU, -1}));
            return TS_OK;
        }
        char *op = arena_printf(&S->arena, "aten::%s", f);
        return py_call_op(S, op, args, nargs, kwn, kwv, nkw, sp, out);
    }
    return ts_fail(S->ctx, TS_ERR_UNSUPPORTED, sp, "%s() is not supported by tscript's Python evaluator", name);
}

/* ---- native modules ---- */

ts_status py_native_attr(Py *S, PMod *m, const char *name, const Span *sp, PV *out) {
    const char *n = m->native;
    if (S->exec && strcmp(n, "sys") == 0) return pyexec_sys_attr(S, name, sp, out);
    if (strcmp(n, "torch") == 0) {
        int dt = py_dtype_code(name);
        if (dt >= 0) {
            *out = pv_none();
            out->k = P_DTYPE;
            out->iv = iv_int(dt);
            return TS_OK;
        }
        if (strcmp(name, "nn") == 0 || strcmp(name, "jit") == 0 || strcmp(name, "_C") == 0 || strcmp(name, "_VF") == 0 ||
            strcmp(name, "linalg") == 0 || strcmp(name, "fft") == 0) {
            PMod *sm;
            TS_TRY(py_import(S, arena_printf(&S->arena, "torch.%s", name), sp, &sm));
            *out = pv_ptr(P_MOD, sm);
            return TS_OK;
        }
        if (strcmp(name, "Tensor") == 0 || strcmp(name, "dtype") == 0 || strcmp(name, "Generator") == 0) {
            *out = pv_ptr(P_MARK, "Tensor");
            return TS_OK;
        }
        if (strcmp(name, "pi") == 0) { *out = pv_float(M_PI); return TS_OK; }
        *out = pv_ptr(P_BUILTIN, arena_printf(&S->arena, "torch.%s", name));
        return TS_OK;
    }
    if (strcmp(n, "torch._C") == 0 || strcmp(n, "torch._C._nn") == 0 || strcmp(n, "torch._VF") == 0) {
        if (strcmp(name, "_nn") == 0) {
            PMod *sm;
            TS_TRY(py_import(S, "torch._C._nn", sp, &sm));
            *out = pv_ptr(P_MOD, sm);
            return TS_OK;
        }
        *out = pv_ptr(P_BUILTIN, arena_printf(&S->arena, "torch.%s", name));
        return TS_OK;
    }
    if (strcmp(n, "torch.fft") == 0) { /* torch.fft.irfft is aten::fft_irfft */
        *out = pv_ptr(P_BUILTIN, arena_printf(&S->arena, "torch.fft_%s", name));
        return TS_OK;
    }
    if (strcmp(n, "torch.linalg") == 0) { /* torch.linalg.qr is aten::linalg_qr */
        *out = pv_ptr(P_BUILTIN, arena_printf(&S->arena, "torch.linalg_%s", name));
        return TS_OK;
    }
    if (strcmp(n, "torch._jit_internal") == 0) {
        if (strcmp(name, "boolean_dispatch") == 0) { *out = pv_ptr(P_BUILTIN, "boolean_dispatch"); return TS_OK; }
        *out = pv_ptr(P_MARK, arena_printf(&S->arena, "%s", name));
        return TS_OK;
    }
    if (strcmp(n, "torch.jit") == 0) {
        if (strcmp(name, "Final") == 0 || strcmp(name, "Attribute") == 0) {
            *out = pv_ptr(P_MARK, "Final");
            return TS_OK;
        }
        *out = pv_ptr(P_BUILTIN, arena_printf(&S->arena, "torch.jit.%s", name));
        return TS_OK;
    }
    if (strcmp(n, "math") == 0) {
        static const struct { const char *name; double v; } c[] = {
            {"pi", M_PI}, {"e", M_E}, {"tau", 2 * M_PI}, {"inf", INFINITY}, {"nan", NAN}};
        for (size_t i = 0; i < TS_ARRAY_LEN(c); i++)
            if (strcmp(c[i].name, name) == 0) { *out = pv_float(c[i].v); return TS_OK; }
        for (size_t i = 0; i < TS_ARRAY_LEN(MATH_FNS); i++)
            if (strcmp(MATH_FNS[i], name) == 0) {
                *out = pv_ptr(P_BUILTIN, arena_printf(&S->arena, "math.%s", name));
                return TS_OK;
            }
    } else if (strcmp(n, "typing") == 0 || strcmp(n, "typing_extensions") == 0 || strcmp(n, "numbers") == 0 ||
               strcmp(n, "torch.jit.annotations") == 0) {
        *out = pv_ptr(P_MARK, arena_printf(&S->arena, "%s", name));
        return TS_OK;
    } else if (strcmp(n, "collections") == 0) {
        if (strcmp(name, "OrderedDict") == 0) { *out = pv_ptr(P_BUILTIN, "collections.OrderedDict"); return TS_OK; }
        if (strcmp(name, "namedtuple") == 0) { *out = pv_ptr(P_MARK, "namedtuple"); return TS_OK; }
    } else if (strcmp(n, "copy") == 0) {
        if (strcmp(name, "deepcopy") == 0 || strcmp(name, "copy") == 0) {
            *out = pv_ptr(P_BUILTIN, name[0] == 'd' ? "copy.deepcopy" : "copy.copy");
            return TS_OK;
        }
    } else if (strcmp(n, "warnings") == 0) {
        if (strcmp(name, "warn") == 0) { *out = pv_ptr(P_BUILTIN, "warnings.warn"); return TS_OK; }
    } else if (strcmp(n, "torch.nn.modules.module") == 0) {
        if (strcmp(name, "Module") == 0) { *out = pv_ptr(P_CLASS, S->module_cls); return TS_OK; }
    } else if (strcmp(n, "torch.nn.parameter") == 0) {
        if (strcmp(name, "Parameter") == 0) { *out = pv_ptr(P_BUILTIN, "Parameter"); return TS_OK; }
    }
    return ts_fail(S->ctx, TS_ERR_NOT_FOUND, sp, "AttributeError: module '%s' has no attribute '%s' (in tscript's evaluator)",
                   m->pyname, name);
}
