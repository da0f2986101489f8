/*
 * test_hash.c - the keyed hash of base/hash.c: SipHash-2-4 against the
 * reference vectors of Aumasson and Bernstein's paper (key 00..0f, messages
 * 00..(n-1)), which checks the shared core; SipHash-1-3 and the integer
 * shortcut against that core; and the process key: hashes are stable within
 * a process and keyed (not FNV-1a, the unkeyed hash used before).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/base.h"

static const uint64_t K0 = 0x0706050403020100ull, K1 = 0x0f0e0d0c0b0a0908ull;

static void test_siphash24_reference_vectors(void **state) {
    (void)state;
    uint8_t msg[64];
    for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;
    /* vectors.h of the reference implementation, entries 0, 1, 7, 8, 15, 63 */
    assert_true(ts_siphash24(K0, K1, msg, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(ts_siphash24(K0, K1, msg, 1) == 0x74f839c593dc67fdull);
    assert_true(ts_siphash24(K0, K1, msg, 7) == 0xab0200f58b01d137ull);
    assert_true(ts_siphash24(K0, K1, msg, 8) == 0x93f5f5799a932462ull);
    assert_true(ts_siphash24(K0, K1, msg, 15) == 0xa129ca6149be45e5ull);
    assert_true(ts_siphash24(K0, K1, msg, 63) == 0x958a324ceb064572ull);
}

static void test_siphash13_differs_and_is_stable(void **state) {
    (void)state;
    const char *s = "archive/data/0";
    uint64_t a = ts_siphash13(K0, K1, s, strlen(s));
    assert_true(a == ts_siphash13(K0, K1, s, strlen(s)));
    assert_true(a != ts_siphash24(K0, K1, s, strlen(s)));
    assert_true(a != ts_siphash13(K0 ^ 1, K1, s, strlen(s)));
    assert_true(a != ts_siphash13(K0, K1, s, strlen(s) - 1));
}

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static void test_process_key(void **state) {
    (void)state;
    const char *s = "model/data.pkl";
    uint64_t h = ts_hash_bytes(s, strlen(s));
    assert_true(h == ts_hash_bytes(s, strlen(s)));
    assert_true(h != fnv1a(s));
    /* the integer shortcut is SipHash-1-3 of the integer's 8 bytes under the
     * same key: equal to ts_hash_bytes on those bytes */
    int64_t keys[] = {0, 1, -1, 40000, INT64_MIN, INT64_MAX, 0x123456789abcdefll};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        uint64_t u = (uint64_t)keys[i];
        assert_true(ts_hash_u64(u) == ts_hash_bytes(&u, 8));
    }
    /* consecutive ints spread over the low bits (a table's slot index) */
    int used[64] = {0}, distinct = 0;
    for (uint64_t i = 0; i < 64; i++) {
        int slot = (int)(ts_hash_u64(i << 20) & 63);
        if (!used[slot]++) distinct++;
    }
    assert_true(distinct > 30);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash24_reference_vectors),
        cmocka_unit_test(test_siphash13_differs_and_is_stable),
        cmocka_unit_test(test_process_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
