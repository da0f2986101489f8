/*
 * hash.c - the keyed hash behind every hash table that input can fill:
 * SipHash-1-3 (Aumasson and Bernstein's SipHash with one compression and
 * three finalisation rounds, the variant CPython and Rust use for their
 * tables) under a 128-bit key drawn once per process.
 *
 * Why keyed: zip entry names, dict keys (ints, floats, strings), class and
 * attribute names all come from files a stranger may write. With an unseeded
 * hash anyone can precompute thousands of keys that land in one probe chain
 * and turn a load into minutes of work (issue 5, defect 5). With a secret
 * key, finding such keys needs the key.
 *
 * The key comes from getrandom(2), else /dev/urandom, else (neither
 * available: a sandbox without /dev) a mix of the clock, the pid and
 * addresses, which is weaker but still differs per process. Hash values
 * therefore differ between runs: nothing may depend on them beyond one
 * process (no table is iterated in slot order where the order shows).
 */
#include "base/base.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t g_k0, g_k1;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool read_urandom(void *buf, size_t n) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    return got == n;
}

static void seed_key(void) {
    uint64_t k[2] = {0, 0};
    if (getrandom(k, sizeof k, GRND_NONBLOCK) == (ssize_t)sizeof k) goto done;
    if (read_urandom(k, sizeof k)) goto done;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
                 (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&ts ^ (uint64_t)(uintptr_t)&g_k0;
    k[0] = splitmix(&s);
    k[1] = splitmix(&s);
done:
    g_k0 = k[0];
    g_k1 = k[1];
}

static inline void key(uint64_t *k0, uint64_t *k1) {
    pthread_once(&g_once, seed_key);
    *k0 = g_k0;
    *k1 = g_k1;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                     \
    do {                                                             \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);    \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                       \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                       \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);    \
    } while (0)

static inline uint64_t load64(const unsigned char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w; /* x86-64 and every target here are little-endian */
}

/* SipHash-c-d; the rounds are constants at every call, so this folds. */
static inline uint64_t siphash(int c, int d, uint64_t k0, uint64_t k1, const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t whole = n & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load64(p + i);
        v3 ^= m;
        for (int r = 0; r < c; r++) SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t i = 0; i < (n & 7); i++) b |= (uint64_t)p[whole + i] << (8 * i);
    v3 ^= b;
    for (int r = 0; r < c; r++) SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    for (int r = 0; r < d; r++) SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t ts_siphash13(uint64_t k0, uint64_t k1, const void *data, size_t n) {
    return siphash(1, 3, k0, k1, data, n);
}

uint64_t ts_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t n) {
    return siphash(2, 4, k0, k1, data, n);
}

uint64_t ts_hash_bytes(const void *p, size_t n) {
    uint64_t k0, k1;
    key(&k0, &k1);
    return ts_siphash13(k0, k1, p, n);
}

uint64_t ts_hash_u64(uint64_t x) {
    uint64_t k0, k1;
    key(&k0, &k1);
    /* SipHash-1-3 of the 8 little-endian bytes of x, unrolled */
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    v3 ^= x;
    SIPROUND;
    v0 ^= x;
    uint64_t b = (uint64_t)8 << 56;
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
