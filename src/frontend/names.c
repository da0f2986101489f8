/*
 * names.c - what the frontend knows of PyTorch's names, to reject what
 * PyTorch rejects when it compiles a model's source: the methods a Tensor
 * has in TorchScript (tensor_methods.def, generated from PyTorch 1.13), and a
 * "did you mean" among candidate names for a misspelt one.
 *
 * An archive's code never needs these (PyTorch compiled it); for source, a
 * tensor method the registry lacks but PyTorch has still compiles into a call
 * that fails when run, while a name PyTorch does not know is a compile error.
 */
#include <string.h>

#include "frontend/sema.h"

static const char *const tensor_methods[] = {
#define TENSOR_METHOD(n) n,
#include "frontend/tensor_methods.def"
#undef TENSOR_METHOD
};

bool sema_is_tensor_method(const char *name) {
    size_t lo = 0, hi = sizeof tensor_methods / sizeof tensor_methods[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(tensor_methods[mid], name);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

/* Levenshtein distance of a and b, or a number > limit once it exceeds it
 * (names longer than 63 bytes are never close). */
static int distance(const char *a, const char *b, int limit) {
    size_t na = strlen(a), nb = strlen(b);
    if (na > 63 || nb > 63) return limit + 1;
    if ((na > nb ? na - nb : nb - na) > (size_t)limit) return limit + 1;
    int prev[64], cur[64];
    for (size_t j = 0; j <= nb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(int) * (nb + 1));
    }
    return prev[nb];
}

const char *sema_closest_name(const char *name, const char *const *cands, int n) {
    /* one edit in a short name, two in a longer one; public names only */
    int limit = strlen(name) <= 4 ? 1 : 2, best = limit + 1;
    const char *pick = NULL;
    for (int i = 0; i < n; i++) {
        if (!cands[i] || cands[i][0] == '_' || strcmp(cands[i], name) == 0) continue;
        int d = distance(name, cands[i], limit);
        if (d < best) {
            best = d;
            pick = cands[i];
        }
    }
    return pick;
}

const char *sema_closest_tensor_method(const char *name) {
    return sema_closest_name(name, tensor_methods, (int)(sizeof tensor_methods / sizeof tensor_methods[0]));
}
