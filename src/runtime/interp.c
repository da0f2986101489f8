/*
 * interp.c - the graph compiler and the interpreter loop.
 *
 * Compilation walks a graph once. Every IR value gets a frame slot (its id);
 * loops get extra slots for their counter and carried temporaries. Each node
 * becomes one instruction whose input and output slot lists live in one
 * shared int array. Slots own their values: writing a slot releases what it
 * held, and the frame releases everything when the call returns. A value's
 * last use is known statically (plan_frees): an I_CLEAR after that node (or
 * after the If/Loop that contains it) drops the slot, so intermediate tensors
 * die as soon as possible.
 */
#include "runtime/interp.h"
#include "ops/grad_names.h"

#include <math.h>

typedef enum Op {
    I_OP,        /* call p (OpSchema*) */
    I_CONST,     /* out = dup(*(IValue*)p) */
    I_MOVE,      /* out = dup(in) */
    I_JMP,       /* goto target */
    I_JMPF,      /* if !in: goto target */
    I_LOOP,      /* in: counter, max, cond; out: iter; if !(counter < max && cond) goto target */
    I_INCR,      /* in: counter; counter += 1 */
    I_SETINT,    /* out = int(target) */
    I_GETATTR,   /* out = in.obj.slots[target] */
    I_SETATTR,   /* in[0].obj.slots[target] = in[1] */
    I_CALL,      /* out = call p (Function*) */
    I_LIST,      /* out = list(in...) of element type p (Type*) */
    I_TUPLE,
    I_DICT,
    I_UNPACK,    /* outs = elements of in (tuple or list) */
    I_TUPLE_INDEX,
    I_UNINIT,
    I_ISINSTANCE,
    I_CREATE,    /* out = new object of class p (ClassType*) */
    I_ENUM_NAME,
    I_ENUM_VALUE,
    I_ENUM_MEMBER, /* out = member target of enum class p (made per use: see below) */
    I_FAIL,      /* fail with the message of node p (NK_FAIL, NK_UNRESOLVED) */
    I_CLEAR,     /* release the slots listed as inputs */
    I_RET,       /* return in[0] */
} Op;

typedef struct Instr {
    uint8_t op;
    uint16_t nin, nout;
    int32_t in, out;   /* offsets into Code.slots */
    int32_t target;
    const void *p;
    const OpInfo *info;
    const Node *node;  /* for the traceback */
} Instr;

typedef struct Code {
    VEC(Instr) ins;
    VEC(int32_t) slots;
    VEC(OpInfo *) infos;
    int nslots;
    Function *fn;
} Code;

static void code_free(void *p) {
    Code *c = p;
    if (!c) return;
    for (int i = 0; i < c->infos.len; i++) {
        OpCache *oc = c->infos.data[i]->cache;
        if (oc && oc->data && oc->release) oc->release(oc->data);
        ts_free(oc);
        ts_free(c->infos.data[i]);
    }
    vec_free(&c->infos);
    vec_free(&c->ins);
    vec_free(&c->slots);
    ts_free(c);
}

typedef struct Compiler {
    Ctx *ctx;
    Code *code;
    Function *fn;
} Compiler;

static int32_t push_slots(Compiler *cp, const ValueList *l) {
    int32_t at = cp->code->slots.len;
    for (int i = 0; i < l->len; i++) vec_push(&cp->code->slots, (int32_t)l->data[i]->id);
    return at;
}

static int emit(Compiler *cp, Op op, const Node *n) {
    Instr in;
    memset(&in, 0, sizeof in);
    in.op = (uint8_t)op;
    in.node = n;
    in.in = in.out = cp->code->slots.len;
    vec_push(&cp->code->ins, in);
    return cp->code->ins.len - 1;
}

static Instr *at(Compiler *cp, int i) { return &cp->code->ins.data[i]; }

static int new_slot(Compiler *cp) { return cp->code->nslots++; }

/* dst = src, slot to slot */
static void emit_move(Compiler *cp, int32_t src, int32_t dst, const Node *n) {
    int i = emit(cp, I_MOVE, n);
    at(cp, i)->in = cp->code->slots.len;
    vec_push(&cp->code->slots, src);
    at(cp, i)->out = cp->code->slots.len;
    vec_push(&cp->code->slots, dst);
    at(cp, i)->nin = at(cp, i)->nout = 1;
}

static ts_status compile_block(Compiler *cp, const Block *b);

/* After a block's outputs are copied out, drop those the block itself made. */
static void clear_block_outputs(Compiler *cp, const Block *b, const Node *n) {
    const ValueList *r = &b->ret->inputs;
    int cnt = 0;
    for (int i = 0; i < r->len; i++)
        if (r->data[i]->node->owner == b && r->data[i]->node->kind != NK_PARAM) cnt++;
    if (!cnt) return;
    int k = emit(cp, I_CLEAR, n);
    at(cp, k)->in = cp->code->slots.len;
    for (int i = 0; i < r->len; i++)
        if (r->data[i]->node->owner == b && r->data[i]->node->kind != NK_PARAM)
            vec_push(&cp->code->slots, (int32_t)r->data[i]->id);
    at(cp, k)->nin = (uint16_t)cnt;
}

static ts_status compile_node(Compiler *cp, const Node *n) {
    Op op;
    switch (n->kind) {
    case NK_OP: op = I_OP; break;
    case NK_CONSTANT: op = I_CONST; break;
    case NK_GETATTR: op = I_GETATTR; break;
    case NK_SETATTR: op = I_SETATTR; break;
    case NK_CALL_METHOD:
    case NK_CALL_FUNCTION: op = I_CALL; break;
    case NK_LIST_CONSTRUCT: op = I_LIST; break;
    case NK_TUPLE_CONSTRUCT: op = I_TUPLE; break;
    case NK_DICT_CONSTRUCT: op = I_DICT; break;
    case NK_LIST_UNPACK:
    case NK_TUPLE_UNPACK: op = I_UNPACK; break;
    case NK_TUPLE_INDEX: op = I_TUPLE_INDEX; break;
    case NK_UNCHECKED_CAST: op = I_MOVE; break;
    case NK_UNINITIALIZED: op = I_UNINIT; break;
    case NK_ISINSTANCE: op = I_ISINSTANCE; break;
    case NK_CREATE_OBJECT: op = I_CREATE; break;
    case NK_ENUM_NAME: op = I_ENUM_NAME; break;
    case NK_ENUM_VALUE: op = I_ENUM_VALUE; break;
    case NK_ENUM_MEMBER: op = I_ENUM_MEMBER; break;
    case NK_FAIL:
    case NK_UNRESOLVED: op = I_FAIL; break;
    case NK_IF: {
        /* if cond: block0 else: block1 */
        int jf = emit(cp, I_JMPF, n);
        at(cp, jf)->in = push_slots(cp, &n->inputs);
        at(cp, jf)->nin = 1;
        TS_TRY(compile_block(cp, n->blocks[0]));
        for (int i = 0; i < n->outputs.len; i++)
            emit_move(cp, n->blocks[0]->ret->inputs.data[i]->id, n->outputs.data[i]->id, n);
        clear_block_outputs(cp, n->blocks[0], n);
        int j = emit(cp, I_JMP, n);
        at(cp, jf)->target = cp->code->ins.len;
        TS_TRY(compile_block(cp, n->blocks[1]));
        for (int i = 0; i < n->outputs.len; i++)
            emit_move(cp, n->blocks[1]->ret->inputs.data[i]->id, n->outputs.data[i]->id, n);
        clear_block_outputs(cp, n->blocks[1], n);
        at(cp, j)->target = cp->code->ins.len;
        return TS_OK;
    }
    case NK_LOOP: {
        /* inputs: max_trip, cond, carried...; block params: iter, carried...;
         * block returns: cond, carried...; outputs: carried... */
        const Block *b = n->blocks[0];
        int ncar = n->inputs.len - 2;
        int32_t counter = new_slot(cp), cond = new_slot(cp);
        int32_t *tmp = ts_xmalloc(sizeof(int32_t) * (size_t)(ncar + 1));
        for (int k = 0; k < ncar; k++) tmp[k] = new_slot(cp);
        for (int k = 0; k < ncar; k++)
            emit_move(cp, n->inputs.data[2 + k]->id, b->param->outputs.data[1 + k]->id, n);
        int si = emit(cp, I_SETINT, n);
        at(cp, si)->out = cp->code->slots.len;
        vec_push(&cp->code->slots, counter);
        at(cp, si)->nout = 1;
        at(cp, si)->target = 0;
        emit_move(cp, n->inputs.data[1]->id, cond, n);
        int head = emit(cp, I_LOOP, n);
        at(cp, head)->in = cp->code->slots.len;
        vec_push(&cp->code->slots, counter);
        vec_push(&cp->code->slots, (int32_t)n->inputs.data[0]->id);
        vec_push(&cp->code->slots, cond);
        at(cp, head)->nin = 3;
        at(cp, head)->out = cp->code->slots.len;
        vec_push(&cp->code->slots, (int32_t)b->param->outputs.data[0]->id);
        at(cp, head)->nout = 1;
        ts_status st = compile_block(cp, b);
        if (st != TS_OK) { ts_free(tmp); return st; }
        emit_move(cp, b->ret->inputs.data[0]->id, cond, n);
        for (int k = 0; k < ncar; k++) emit_move(cp, b->ret->inputs.data[1 + k]->id, tmp[k], n);
        clear_block_outputs(cp, b, n);
        for (int k = 0; k < ncar; k++) emit_move(cp, tmp[k], b->param->outputs.data[1 + k]->id, n);
        int inc = emit(cp, I_INCR, n);
        at(cp, inc)->in = cp->code->slots.len;
        vec_push(&cp->code->slots, counter);
        at(cp, inc)->nin = 1;
        int back = emit(cp, I_JMP, n);
        at(cp, back)->target = head;
        at(cp, head)->target = cp->code->ins.len;
        for (int k = 0; k < ncar; k++)
            emit_move(cp, b->param->outputs.data[1 + k]->id, n->outputs.data[k]->id, n);
        /* drop the loop's temporaries */
        int cl = emit(cp, I_CLEAR, n);
        at(cp, cl)->in = cp->code->slots.len;
        for (int k = 0; k < ncar; k++) vec_push(&cp->code->slots, tmp[k]);
        at(cp, cl)->nin = (uint16_t)ncar;
        ts_free(tmp);
        return TS_OK;
    }
    default:
        return ts_fail(cp->ctx, TS_ERR_UNSUPPORTED, &n->span, "interpreter: cannot compile node %s",
                       nodekind_symbol(n->kind));
    }
    if (n->inputs.len > 65535 || n->outputs.len > 65535)
        return ts_fail(cp->ctx, TS_ERR_UNSUPPORTED, &n->span, "node with too many inputs");
    int i = emit(cp, op, n);
    Instr *ins = at(cp, i);
    ins->in = push_slots(cp, &n->inputs);
    ins = at(cp, i);
    ins->nin = (uint16_t)n->inputs.len;
    ins->out = push_slots(cp, &n->outputs);
    ins = at(cp, i);
    ins->nout = (uint16_t)n->outputs.len;
    switch (n->kind) {
    case NK_OP: {
        OpInfo *info = ts_xmalloc(sizeof *info);
        info->cache = ts_xmalloc(sizeof *info->cache);
        info->cache->data = NULL;
        info->cache->release = NULL;
        info->schema = n->op;
        info->nout = n->outputs.len;
        info->out_types = arena_array((Arena *)&cp->fn->graph->arena, Type *, n->outputs.len + 1);
        for (int k = 0; k < n->outputs.len; k++) info->out_types[k] = n->outputs.data[k]->type;
        vec_push(&cp->code->infos, info);
        ins->p = n->op;
        ins->info = info;
        break;
    }
    case NK_CONSTANT: ins->p = &n->cval; break;
    case NK_GETATTR:
    case NK_SETATTR:
    case NK_TUPLE_INDEX: ins->target = n->index; break;
    case NK_CALL_METHOD:
    case NK_CALL_FUNCTION: ins->p = n->callee; break;
    case NK_LIST_CONSTRUCT: ins->p = n->outputs.data[0]->type; break;
    case NK_TUPLE_CONSTRUCT: ins->p = n->outputs.data[0]->type; break;
    case NK_DICT_CONSTRUCT: ins->p = n->outputs.data[0]->type; break;
    case NK_ISINSTANCE: ins->p = n->tattr; break;
    case NK_FAIL:
    case NK_UNRESOLVED: ins->p = n; break;
    case NK_CREATE_OBJECT: ins->p = n->outputs.data[0]->type->cls; break;
    case NK_ENUM_MEMBER:
        ins->p = n->tattr->cls;
        ins->target = n->index;
        break;
    default: break;
    }
    return TS_OK;
}

/* ---- liveness: free each value right after its last use ---- */

typedef VEC(int32_t) SlotList;

static Block *def_block(const Value *v) { return v->node->owner; }

/* The node of v's own block that contains use u (u itself, or the If/Loop around it). */
static Node *effective_use(const Value *v, Node *u) {
    Block *vb = def_block(v);
    while (u && u->owner != vb) u = u->owner ? u->owner->owner : NULL;
    return u;
}

static void mark_uses(Node **last, bool *keep, const Block *b) {
    for (Node *n = b->param->next;; n = n->next) {
        for (int i = 0; i < n->inputs.len; i++) {
            Value *v = n->inputs.data[i];
            Node *u = effective_use(v, n);
            if (!u || u->kind == NK_RETURN) keep[v->id] = true;
            else last[v->id] = u;
        }
        if (n == b->ret) break;
        for (int k = 0; k < n->nblocks; k++) mark_uses(last, keep, n->blocks[k]);
    }
}

static void attach_frees(Compiler *cp, const Block *b, Node **last, bool *keep) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        SlotList *l = n->aux;
        for (int i = 0; i < n->outputs.len; i++) {
            Value *v = n->outputs.data[i];
            if (keep[v->id] || last[v->id]) continue;
            /* never used: free right after it is made */
            if (!l) n->aux = l = arena_new(&cp->fn->graph->arena, SlotList);
            vec_push(l, (int32_t)v->id);
        }
        for (int k = 0; k < n->nblocks; k++) attach_frees(cp, n->blocks[k], last, keep);
    }
}

static void plan_frees(Compiler *cp, Graph *g) {
    int nv = g->next_id;
    Node **last = ts_xmalloc(sizeof(Node *) * (size_t)(nv + 1));
    bool *keep = ts_xmalloc(sizeof(bool) * (size_t)(nv + 1));
    memset(last, 0, sizeof(Node *) * (size_t)(nv + 1));
    memset(keep, 0, sizeof(bool) * (size_t)(nv + 1));
    mark_uses(last, keep, g->block);
    for (int id = 0; id < nv; id++) {
        Node *n = last[id];
        if (!n || keep[id]) continue;
        SlotList *l = n->aux;
        if (!l) n->aux = l = arena_new(&g->arena, SlotList);
        vec_push(l, (int32_t)id);
    }
    attach_frees(cp, g->block, last, keep);
    ts_free(last);
    ts_free(keep);
}

static void release_plan(Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        if (n->aux) vec_free((SlotList *)n->aux);
        n->aux = NULL;
        for (int k = 0; k < n->nblocks; k++) release_plan(n->blocks[k]);
    }
}

static ts_status compile_block(Compiler *cp, const Block *b) {
    for (Node *n = b->param->next; n != b->ret; n = n->next) {
        TS_TRY(compile_node(cp, n));
        SlotList *l = n->aux;
        if (l && l->len) {
            int i = emit(cp, I_CLEAR, n);
            at(cp, i)->in = cp->code->slots.len;
            for (int k = 0; k < l->len; k++) vec_push(&cp->code->slots, l->data[k]);
            at(cp, i)->nin = (uint16_t)l->len;
        }
    }
    return TS_OK;
}

ts_status interp_compile(Ctx *ctx, Function *fn) {
    if (fn->code) return TS_OK;
    if (!fn->graph)
        return ts_fail(ctx, TS_ERR_NOT_FOUND, &fn->span, "function %s has no body", fn->qualname);
    Code *code = ts_xmalloc(sizeof *code);
    memset(code, 0, sizeof *code);
    code->fn = fn;
    code->nslots = fn->graph->next_id;
    Compiler cp = {ctx, code, fn};
    plan_frees(&cp, fn->graph);
    ts_status st = compile_block(&cp, fn->graph->block);
    release_plan(fn->graph->block);
    if (st != TS_OK) {
        code_free(code);
        return st;
    }
    int r = emit(&cp, I_RET, NULL);
    at(&cp, r)->in = push_slots(&cp, &fn->graph->block->ret->inputs);
    at(&cp, r)->nin = (uint16_t)fn->graph->block->ret->inputs.len;
    fn->code = code;
    fn->code_free = code_free;
    return TS_OK;
}

ts_status interp_compile_unit(Ctx *ctx, Unit *u) {
    for (int i = 0; i < u->fns.len; i++) {
        Function *fn = u->fns.data[i];
        if (fn->state == FN_EMITTED) TS_TRY(interp_compile(ctx, fn));
    }
    return TS_OK;
}

/* ---- the interpreter loop ---- */

static __thread int t_depth;

static inline void slot_set(IValue *slots, int32_t s, IValue v) {
    IValue old = slots[s];
    slots[s] = v;
    iv_release(old);
}

static ts_status run_fail(Ctx *ctx, const Instr *ins, Function *fn, ts_status st) {
    ts_add_frame(ctx, ins->node ? ins->node->span : span_none(), fn->qualname);
    return st;
}

/* An infallible allocation passed the memory limit (base.c): stop the
 * program here with what it was doing. */
static ts_status memory_limit_fail(Ctx *ctx, const Instr *ins, Function *fn, const char *what) {
    ts_alloc_clear_over_limit();
    size_t limit = ts_alloc_limit();
    ts_status st = limit ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory: %s passed the memory limit of %zu bytes",
                                   what, limit)
                         : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory in %s", what);
    return run_fail(ctx, ins, fn, st);
}

static ts_status run(Ctx *ctx, Code *code, IValue *slots, IValue *result) {
    const Instr *base = code->ins.data;
    const int32_t *sl = code->slots.data;
    Function *fn = code->fn;
    IValue argbuf[16];
    for (int pc = 0;;) {
        const Instr *ins = &base[pc];
        const int32_t *in = sl + ins->in, *out = sl + ins->out;
        switch ((Op)ins->op) {
        case I_OP: {
            const OpSchema *s = ins->p;
            IValue *args = ins->nin <= 16 ? argbuf : ts_xmalloc(sizeof(IValue) * ins->nin);
            for (int k = 0; k < ins->nin; k++) args[k] = slots[in[k]];
            IValue outs[8];
            IValue *ov = ins->nout <= 8 ? outs : ts_xmalloc(sizeof(IValue) * ins->nout);
            for (int k = 0; k < ins->nout; k++) ov[k] = iv_none();
            ts_status st = s->fn(ctx, args, ins->nin, ov, ins->info);
            if (s->writes) op_bump_written(s, args, ins->nin);
            if (st == TS_OK && ctx->grad_names) grad_names_after(ctx, s, args, ins->nin, ov, ins->nout);
            if (args != argbuf) ts_free(args);
            if (st == TS_OK)
                for (int k = 0; k < ins->nout; k++) slot_set(slots, out[k], ov[k]);
            if (ov != outs) ts_free(ov);
            if (st != TS_OK) return run_fail(ctx, ins, fn, st);
            if (ts_alloc_over_limit()) return memory_limit_fail(ctx, ins, fn, s->name);
            pc++;
            break;
        }
        case I_CONST:
            slot_set(slots, out[0], iv_dup(*(const IValue *)ins->p));
            pc++;
            break;
        case I_MOVE:
            slot_set(slots, out[0], iv_dup(slots[in[0]]));
            pc++;
            break;
        case I_JMP:
            /* a loop's back-edge: whatever the iteration allocated */
            if (ins->target < pc && ts_alloc_over_limit()) return memory_limit_fail(ctx, ins, fn, "a loop");
            if (ins->target < pc && iv_gc_due()) iv_gc_collect(); /* the cycles made so far */
            pc = ins->target;
            break;
        case I_JMPF: {
            IValue c = slots[in[0]];
            pc = (c.kind == IV_BOOL ? c.u.b : iv_truthy(c)) ? pc + 1 : ins->target;
            break;
        }
        case I_SETINT:
            slot_set(slots, out[0], iv_int(ins->target));
            pc++;
            break;
        case I_LOOP: {
            int64_t counter = slots[in[0]].u.i;
            IValue maxv = slots[in[1]], condv = slots[in[2]];
            int64_t max = maxv.kind == IV_INT ? maxv.u.i : INT64_MAX;
            bool cond = condv.kind == IV_BOOL ? condv.u.b : iv_truthy(condv);
            if (counter < max && cond) {
                ts_status pst = ctx_poll(ctx, NULL);
                if (pst != TS_OK) return run_fail(ctx, ins, fn, pst);
                slot_set(slots, out[0], iv_int(counter));
                pc++;
            } else {
                pc = ins->target;
            }
            break;
        }
        case I_INCR:
            slots[in[0]].u.i++;
            pc++;
            break;
        case I_GETATTR: {
            IValue o = slots[in[0]];
            if (o.kind != IV_OBJECT || ins->target >= o.u.obj->nslots)
                return run_fail(ctx, ins, fn,
                                ts_fail(ctx, TS_ERR_TYPE, NULL, "attribute access on a %s value",
                                        iv_kind_name(o)));
            slot_set(slots, out[0], iv_dup(o.u.obj->slots[ins->target]));
            pc++;
            break;
        }
        case I_SETATTR: {
            IValue o = slots[in[0]];
            if (o.kind != IV_OBJECT || ins->target >= o.u.obj->nslots)
                return run_fail(ctx, ins, fn,
                                ts_fail(ctx, TS_ERR_TYPE, NULL, "attribute store on a %s value",
                                        iv_kind_name(o)));
            IValue old = o.u.obj->slots[ins->target];
            o.u.obj->slots[ins->target] = iv_dup(slots[in[1]]);
            iv_release(old);
            pc++;
            break;
        }
        case I_CALL: {
            Function *callee = (Function *)ins->p;
            IValue *args = ins->nin <= 16 ? argbuf : ts_xmalloc(sizeof(IValue) * ins->nin);
            for (int k = 0; k < ins->nin; k++) args[k] = slots[in[k]];
            IValue r = iv_none();
            ts_status st = interp_call(ctx, callee, args, ins->nin, &r);
            if (args != argbuf) ts_free(args);
            if (st != TS_OK) return run_fail(ctx, ins, fn, st);
            slot_set(slots, out[0], r);
            if (ts_alloc_over_limit()) return memory_limit_fail(ctx, ins, fn, callee->qualname);
            pc++;
            break;
        }
        case I_LIST: {
            const Type *lt = ins->p;
            ListObj *l = list_new(lt->kind == TK_LIST ? lt->elems[0] : ty_any(), ins->nin);
            for (int k = 0; k < ins->nin; k++) list_push_steal(l, iv_dup(slots[in[k]]));
            slot_set(slots, out[0], iv_list_steal(l));
            pc++;
            break;
        }
        case I_TUPLE: {
            TupleObj *t = tuple_new(ins->nin);
            const Type *tt = ins->p;
            if (tt && tt->kind == TK_CLASS) t->type = (Type *)tt;
            for (int k = 0; k < ins->nin; k++) t->items[k] = iv_dup(slots[in[k]]);
            slot_set(slots, out[0], iv_tuple_steal(t));
            pc++;
            break;
        }
        case I_DICT: {
            const Type *dt = ins->p;
            DictObj *d = dict_new(dt->elems[0], dt->elems[1]);
            for (int k = 0; k + 1 < ins->nin; k += 2)
                dict_set_steal(d, iv_dup(slots[in[k]]), iv_dup(slots[in[k + 1]]));
            slot_set(slots, out[0], iv_dict_steal(d));
            pc++;
            break;
        }
        case I_UNPACK: {
            IValue c = slots[in[0]];
            int64_t n = c.kind == IV_TUPLE ? c.u.tup->len : c.kind == IV_LIST ? c.u.l->len : -1;
            const IValue *items = c.kind == IV_TUPLE ? c.u.tup->items : c.kind == IV_LIST ? c.u.l->items : NULL;
            if (n != ins->nout)
                return run_fail(ctx, ins, fn,
                                ts_fail(ctx, TS_ERR_VALUE, NULL,
                                        "cannot unpack a %s of %lld elements into %d values",
                                        iv_kind_name(c), (long long)n, ins->nout));
            for (int k = 0; k < ins->nout; k++) slot_set(slots, out[k], iv_dup(items[k]));
            pc++;
            break;
        }
        case I_TUPLE_INDEX: {
            IValue c = slots[in[0]];
            int64_t idx = ins->target;
            if (ins->nin > 1) idx = slots[in[1]].u.i;
            if (c.kind != IV_TUPLE) 
                return run_fail(ctx, ins, fn, ts_fail(ctx, TS_ERR_TYPE, NULL, "tuple index on a %s", iv_kind_name(c)));
            if (idx < 0) idx += c.u.tup->len;
            if (idx < 0 || idx >= c.u.tup->len)
                return run_fail(ctx, ins, fn, ts_fail(ctx, TS_ERR_VALUE, NULL, "tuple index out of range"));
            slot_set(slots, out[0], iv_dup(c.u.tup->items[idx]));
            pc++;
            break;
        }
        case I_UNINIT:
            slot_set(slots, out[0], iv_uninit());
            pc++;
            break;
        case I_ISINSTANCE:
            slot_set(slots, out[0], iv_bool(iv_isinstance(slots[in[0]], ins->p)));
            pc++;
            break;
        case I_CREATE:
            slot_set(slots, out[0], iv_object_steal(object_new((ClassType *)ins->p)));
            pc++;
            break;
        case I_ENUM_NAME: {
            IValue e = slots[in[0]];
            if (e.kind != IV_ENUM) return run_fail(ctx, ins, fn, ts_fail(ctx, TS_ERR_TYPE, NULL, "not an enum"));
            HeapHdr *h = &e.u.en->name->hdr;
            IValue s;
            s.kind = IV_STR;
            s.u.h = h;
            slot_set(slots, out[0], iv_dup(s));
            pc++;
            break;
        }
        case I_ENUM_VALUE: {
            IValue e = slots[in[0]];
            if (e.kind != IV_ENUM) return run_fail(ctx, ins, fn, ts_fail(ctx, TS_ERR_TYPE, NULL, "not an enum"));
            slot_set(slots, out[0], iv_dup(e.u.en->value));
            pc++;
            break;
        }
        case I_ENUM_MEMBER: {
            /* Made at each use rather than held by the graph: an enum value
             * keeps its unit alive, and the unit owns the graph. */
            const ClassType *c = ins->p;
            const ClassConst *k = &c->consts.data[ins->target];
            IValue e;
            e.kind = IV_ENUM;
            e.u.en = enum_new((ClassType *)c, k->name, iv_dup(k->value));
            slot_set(slots, out[0], e);
            pc++;
            break;
        }
        case I_FAIL: {
            /* code tscript could not bind or compile, reached at run time */
            const Node *n = ins->p;
            ts_fail(ctx, (ts_status)n->index, &n->span, "%s", n->text);
            return run_fail(ctx, ins, fn, (ts_status)n->index);
        }
        case I_CLEAR:
            for (int k = 0; k < ins->nin; k++) slot_set(slots, in[k], iv_none());
            pc++;
            break;
        case I_RET:
            *result = ins->nin ? iv_dup(slots[in[0]]) : iv_none();
            return TS_OK;
        }
    }
}

ts_status interp_call(Ctx *ctx, Function *fn, const IValue *args, int nargs, IValue *out) {
    if (!fn->code) {
        if (fn->state != FN_EMITTED)
            return ts_fail(ctx, TS_ERR_NOT_FOUND, &fn->span, "function %s is not compiled", fn->qualname);
        TS_TRY(interp_compile(ctx, fn));
    }
    Code *code = fn->code;
    const ValueList *params = &fn->graph->block->param->outputs;
    if (nargs != params->len)
        return ts_fail(ctx, TS_ERR_ARG, &fn->span, "%s expects %d arguments, got %d", fn->qualname,
                       params->len, nargs);
    TS_TRY(ctx_poll(ctx, NULL));
    if (t_depth >= TS_MAX_CALL_DEPTH)
        return ts_fail(ctx, TS_ERR_RUNTIME, &fn->span,
                       "maximum call depth (%d) exceeded in %s (unbounded recursion?)",
                       TS_MAX_CALL_DEPTH, fn->qualname);
    IValue stackbuf[64];
    IValue *slots = code->nslots <= 64 ? stackbuf : ts_xmalloc(sizeof(IValue) * (size_t)code->nslots);
    for (int i = 0; i < code->nslots; i++) slots[i] = iv_none();
    for (int i = 0; i < nargs; i++) slots[params->data[i]->id] = iv_dup(args[i]);
    t_depth++;
    ts_status st = run(ctx, code, slots, out);
    t_depth--;
    for (int i = 0; i < code->nslots; i++) iv_release(slots[i]);
    if (slots != stackbuf) ts_free(slots);
    return st;
}
