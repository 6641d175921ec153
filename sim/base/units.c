/*
 * units.c - see units.h.
 *
 * A quantity is one or more "NUMBER UNIT" terms (several only for
 * durations: "1m30s"). NUMBER is digits with an optional fraction; there is
 * no sign, exponent or digit grouping, and the digits are read here rather
 * than by strtod, so the locale never matters. Unit names are case-sensitive
 * because "Mb" (bits) and "MB" (bytes) differ; only the kilo prefix is also
 * accepted in lower case (SI writes "kB").
 * Source of the vocabulary: spec/scenario-format.md.
 */
#include "base/units.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit {
    const char *name;
    double factor; /* SI value of 1 unit: seconds, bytes or bytes per second */
};

/* Longest names first where one is a prefix of another ("ms" before "m"). */
static const struct unit duration_units[] = {
    {"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ms", 1e-3},
    {"s", 1.0},   {"m", 60.0},  {"h", 3600.0},       {"d", 86400.0},
};

static const struct unit size_units[] = {
    {"B", 1.0},
    {"KB", 1e3},           {"kB", 1e3},           {"MB", 1e6},
    {"GB", 1e9},           {"TB", 1e12},
    {"KiB", 1024.0},       {"kiB", 1024.0},       {"MiB", 1048576.0},
    {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
};

/* Bits per second are divided by 8: bandwidths are stored in bytes/s. */
static const struct unit bandwidth_units[] = {
    {"bps", 1.0 / 8},          {"Kbps", 1e3 / 8},          {"kbps", 1e3 / 8},
    {"Mbps", 1e6 / 8},         {"Gbps", 1e9 / 8},          {"Tbps", 1e12 / 8},
    {"Bps", 1.0},              {"KBps", 1e3},              {"kBps", 1e3},
    {"MBps", 1e6},             {"GBps", 1e9},              {"TBps", 1e12},
    {"KiBps", 1024.0},         {"MiBps", 1048576.0},       {"GiBps", 1073741824.0},
    {"TiBps", 1099511627776.0},
};

struct kind {
    const char *noun;     /* "duration" */
    const char *expected; /* the accepted units, for messages */
    const struct unit *units;
    size_t n_units;
    bool many_terms; /* "1m30s" */
};

static const struct kind duration_kind = {
    "duration", "expected a number followed by ns, us, ms, s, m, h or d (e.g. 30s, 1m30s)",
    duration_units, sizeof(duration_units) / sizeof(duration_units[0]), true};

static const struct kind size_kind = {
    "size", "expected a number followed by B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 30MB)",
    size_units, sizeof(size_units) / sizeof(size_units[0]), false};

static const struct kind bandwidth_kind = {
    "bandwidth",
    "expected a number followed by bps, Kbps, Mbps, Gbps, Tbps, Bps, KBps, MBps, GBps, TBps, "
    "KiBps, MiBps or GiBps (e.g. 1Gbps)",
    bandwidth_units, sizeof(bandwidth_units) / sizeof(bandwidth_units[0]), false};

static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
    if (!msg || !msglen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads digits[.digits] at *p; advances *p. Returns false if there is no digit.
 * Up to 19 significant digits are kept exactly, the value is then one
 * division by a power of ten (exact below 1e22), so "0.1" is the nearest double. */
static bool read_number(const char **p, double *out)
{
    const char *s = *p;
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    bool any = false;
    for (; is_digit(*s); s++, any = true) {
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)(*s - '0');
            sig += mant != 0;
        } else {
            exp10++;
        }
    }
    if (*s == '.' && is_digit(s[1])) {
        for (s++; is_digit(*s); s++, any = true) {
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*s - '0');
                sig += mant != 0;
                exp10--;
            }
        }
    }
    if (!any)
        return false;
    double v = (double)mant;
    if (exp10 < 0)
        v /= pow(10.0, -exp10);
    else if (exp10 > 0)
        v *= pow(10.0, exp10);
    *out = v;
    *p = s;
    return true;
}

static const struct unit *read_unit(const struct kind *k, const char **p)
{
    const char *s = *p;
    size_t n = 0;
    while (s[n] && !is_digit(s[n]) && s[n] != '.' && s[n] != ' ')
        n++;
    for (size_t i = 0; i < k->n_units; i++) {
        if (strlen(k->units[i].name) == n && memcmp(k->units[i].name, s, n) == 0) {
            *p = s + n;
            return &k->units[i];
        }
    }
    return NULL;
}

/* Parses 'text' as a quantity of kind k into *out (SI units). */
static int parse(const struct kind *k, const char *text, double *out, char *msg, size_t msglen)
{
    const char *p = text;
    double total = 0;
    if (*p == '-' || *p == '+') {
        if (*p == '-' && (is_digit(p[1]) || p[1] == '.')) {
            set_msg(msg, msglen, "'%s' is negative; %s", text, k->expected);
            return -1;
        }
        set_msg(msg, msglen, "'%s' is not a %s; %s", text, k->noun, k->expected);
        return -1;
    }
    if (!*p) {
        set_msg(msg, msglen, "'' is not a %s; %s", k->noun, k->expected);
        return -1;
    }
    int terms = 0;
    while (*p) {
        double v;
        if ((terms > 0 && !k->many_terms) || !read_number(&p, &v)) {
            set_msg(msg, msglen, "'%s' is not a %s; %s", text, k->noun, k->expected);
            return -1;
        }
        if (!*p) {
            set_msg(msg, msglen, "'%s' has no unit; %s", text, k->expected);
            return -1;
        }
        const struct unit *u = read_unit(k, &p);
        if (!u) {
            set_msg(msg, msglen, "'%s' is not a %s; %s", text, k->noun, k->expected);
            return -1;
        }
        total += v * u->factor;
        terms++;
    }
    if (!isfinite(total)) {
        set_msg(msg, msglen, "'%s' is too large for a %s", text, k->noun);
        return -1;
    }
    *out = total;
    return 0;
}

int units_parse_duration(const char *text, double *out_s, char *msg, size_t msglen)
{
    return parse(&duration_kind, text, out_s, msg, msglen);
}

int units_parse_bandwidth(const char *text, double *out_Bps, char *msg, size_t msglen)
{
    return parse(&bandwidth_kind, text, out_Bps, msg, msglen);
}

/* Sizes are whole bytes: "1.5GiB" is exact; a fraction of a byte rounds to
 * the nearest byte. Integer inputs are multiplied exactly, so "18446744073709551615B"
 * (UINT64_MAX) is representable although the double path would round it up. */
int units_parse_size(const char *text, uint64_t *out_bytes, char *msg, size_t msglen)
{
    double v;
    if (parse(&size_kind, text, &v, msg, msglen) != 0)
        return -1;
    const char *p = text;
    uint64_t whole = 0;
    bool exact = true;
    for (; is_digit(*p); p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (whole > (UINT64_MAX - d) / 10) {
            exact = false;
            break;
        }
        whole = whole * 10 + d;
    }
    if (exact && *p != '.') {
        const struct unit *u = read_unit(&size_kind, &p);
        uint64_t f = u ? (uint64_t)u->factor : 0;
        if (u && (f == 0 || whole <= UINT64_MAX / f)) {
            *out_bytes = whole * f;
            return 0;
        }
    }
    if (v >= 18446744073709551616.0) {
        set_msg(msg, msglen, "'%s' is too large for a size; the limit is 16EiB", text);
        return -1;
    }
    *out_bytes = (uint64_t)floor(v + 0.5);
    return 0;
}

/* Prints v with up to 6 significant digits and never an exponent, so the
 * output re-parses with the parsers above. */
static void format_scaled(double v, const char *unit, char *buf, size_t buflen)
{
    if (!buflen)
        return;
    if (isinf(v)) {
        snprintf(buf, buflen, "unlimited");
        return;
    }
    if (isnan(v)) {
        snprintf(buf, buflen, "nan");
        return;
    }
    char num[64];
    if (fabs(v) < 1e6) {
        snprintf(num, sizeof(num), "%.6g", v);
        if (strchr(num, 'e'))
            snprintf(num, sizeof(num), "%.9f", v);
    } else {
        snprintf(num, sizeof(num), "%.0f", v);
    }
    snprintf(buf, buflen, "%s%s", num, unit);
}

static void format_by(const struct unit *scale, size_t n, double v, char *buf, size_t buflen)
{
    /* scale[] is ascending; use the largest unit not above |v|. */
    size_t pick = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v) >= scale[i].factor)
            pick = i;
    format_scaled(v / scale[pick].factor, scale[pick].name, buf, buflen);
}

void units_format_duration(double s, char *buf, size_t buflen)
{
    static const struct unit scale[] = {
        {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}, {"m", 60.0}, {"h", 3600.0},
    };
    if (s == 0) {
        format_scaled(0, "s", buf, buflen);
        return;
    }
    format_by(scale, sizeof(scale) / sizeof(scale[0]), s, buf, buflen);
}

void units_format_size(double bytes, char *buf, size_t buflen)
{
    static const struct unit scale[] = {
        {"B", 1.0}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
    };
    format_by(scale, sizeof(scale) / sizeof(scale[0]), bytes, buf, buflen);
}

void units_format_bandwidth(double Bps, char *buf, size_t buflen)
{
    static const struct unit scale[] = {
        {"bps", 1.0}, {"Kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}, {"Tbps", 1e12},
    };
    if (isinf(Bps)) {
        format_scaled(Bps, "", buf, buflen);
        return;
    }
    format_by(scale, sizeof(scale) / sizeof(scale[0]), Bps * 8, buf, buflen);
}

/* "INT" or "INT.FRAC" with FRAC the 'digits' low digits of v, trailing
 * zeros dropped: Go's fmtFrac/fmtInt. */
static void go_decimal(long long whole, long long frac, int digits, char *buf, size_t buflen)
{
    if (frac == 0) {
        snprintf(buf, buflen, "%lld", whole);
        return;
    }
    char f[16];
    snprintf(f, sizeof(f), "%0*lld", digits, frac);
    for (int i = digits - 1; i > 0 && f[i] == '0'; i--)
        f[i] = '\0';
    snprintf(buf, buflen, "%lld.%s", whole, f);
}

void units_go_duration(double s, char *buf, size_t buflen)
{
    long long ns = s > 0 ? llround(s * 1e9) : 0;
    char num[48];
    if (ns == 0) {
        snprintf(buf, buflen, "0s");
    } else if (ns < 1000) {
        snprintf(buf, buflen, "%lldns", ns);
    } else if (ns < 1000000) {
        go_decimal(ns / 1000, ns % 1000, 3, num, sizeof(num));
        snprintf(buf, buflen, "%s\u00b5s", num);
    } else if (ns < 1000000000) {
        go_decimal(ns / 1000000, ns % 1000000, 6, num, sizeof(num));
        snprintf(buf, buflen, "%sms", num);
    } else {
        long long sec = ns / 1000000000, h = sec / 3600, m = sec / 60 % 60;
        go_decimal(sec % 60, ns % 1000000000, 9, num, sizeof(num));
        if (h > 0)
            snprintf(buf, buflen, "%lldh%lldm%ss", h, m, num);
        else if (m > 0)
            snprintf(buf, buflen, "%lldm%ss", m, num);
        else
            snprintf(buf, buflen, "%ss", num);
    }
}
