/*
 * escape.c - making bytes from a file safe to show on a terminal.
 *
 * Names, code and strings inside an archive reach messages and `show`
 * output; raw, an escape sequence among them would drive the user's terminal
 * (retitle it, move the cursor, hide text). sb_put_escaped copies valid,
 * printable UTF-8 as is (as PyTorch prints it: non-ASCII names stay
 * readable) and writes everything else as a visible escape: \n \t \r,
 * \xNN for other C0 controls, DEL and bytes that are not valid UTF-8, and
 * \u0080..\u009f for the C1 controls (which some terminals obey like ESC).
 */
#include "base/base.h"

/* Length of the valid UTF-8 sequence at s[0..n) (2..4), or 0. Rejects
 * overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, v = c & 0x07, min = 0x10000;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

size_t sb_put_escaped(StrBuf *sb, const char *text, size_t n, unsigned flags) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)text;
    size_t start = sb->len;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            sb_putc(sb, (char)c);
            i++;
            continue;
        }
        if ((c == '\n' || c == '\t') && (flags & TS_ESC_KEEP_LINES)) {
            sb_putc(sb, (char)c);
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t len = c >= 0x80 ? utf8_len(s + i, n - i, &cp) : 0;
        if (len && cp >= 0xA0) {
            sb_putn(sb, text + i, len);
            i += len;
            continue;
        }
        if (len) { /* a C1 control */
            sb_printf(sb, "\\u%04x", (unsigned)cp);
            i += len;
            continue;
        }
        switch (c) {
        case '\n': sb_puts(sb, "\\n"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        default:
            sb_puts(sb, "\\x");
            sb_putc(sb, hex[c >> 4]);
            sb_putc(sb, hex[c & 15]);
        }
        i++;
    }
    return sb->len - start;
}

bool ts_needs_escape(const char *text, size_t n, unsigned flags) {
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if ((c >= 0x20 && c < 0x7F) || ((c == '\n' || c == '\t') && (flags & TS_ESC_KEEP_LINES))) {
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t len = c >= 0x80 ? utf8_len(s + i, n - i, &cp) : 0;
        if (!len || cp < 0xA0) return true;
        i += len;
    }
    return false;
}
