/* store_servers.c - what the server stores share (store_servers.h): connection strings
 * shown with every password masked, passwords hidden in any text, a server's message put
 * on one line with the secrets scrubbed, and the ISO-8601 parser of storage.start_time.
 * Used by the PostgreSQL and InfluxDB stores, the PostgreSQL reader and wherever a store's
 * location is named in a message.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store_servers.h"

static void mask_span(char *out, size_t n, size_t *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len && *o + 1 < n; i++)
        out[(*o)++] = s[i];
    out[*o < n ? *o : n - 1] = '\0';
}

void tep_store_mask_connection(const char *in, char *out, size_t n)
{
    if (n == 0) return;
    out[0] = '\0';
    size_t o = 0;
    const char *scheme = strstr(in, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = NULL;
        for (const char *p = auth; p < auth + alen; p++)
            if (*p == '@') at = p;
        mask_span(out, n, &o, in, (size_t)(auth - in));
        if (at) {
            const char *colon = memchr(auth, ':', (size_t)(at - auth));
            if (colon) {
                mask_span(out, n, &o, auth, (size_t)(colon - auth) + 1);
                mask_span(out, n, &o, "***", 3);
                mask_span(out, n, &o, at, (size_t)(auth + alen - at));
            } else {
                mask_span(out, n, &o, auth, alen);
            }
        } else {
            mask_span(out, n, &o, auth, alen);
        }
        /* path and query: password=... and p=... parameters */
        const char *p = auth + alen;
        while (*p) {
            size_t seg = strcspn(p, "?&");
            if (seg == 0) {
                mask_span(out, n, &o, p, 1);
                p++;
                continue;
            }
            bool after_sep = p > in && (p[-1] == '?' || p[-1] == '&');
            if (after_sep && (strncmp(p, "password=", 9) == 0 || strncmp(p, "p=", 2) == 0)) {
                size_t key = (size_t)(strchr(p, '=') - p) + 1;
                mask_span(out, n, &o, p, key);
                mask_span(out, n, &o, "***", 3);
            } else {
                mask_span(out, n, &o, p, seg);
            }
            p += seg;
        }
        return;
    }
    /* conninfo: keyword = value pairs; values may be 'quoted' with \ escapes */
    const char *p = in;
    while (*p) {
        if (strncmp(p, "password", 8) == 0 && (p == in || p[-1] == ' ' || p[-1] == '\t')) {
            const char *q = p + 8;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ' || *q == '\t')
                    q++;
                mask_span(out, n, &o, "password=***", 12);
                if (*q == '\'') {
                    for (q++; *q && *q != '\''; q++)
                        if (*q == '\\' && q[1]) q++;
                    if (*q) q++;
                } else {
                    while (*q && *q != ' ' && *q != '\t')
                        q++;
                }
                p = q;
                continue;
            }
        }
        mask_span(out, n, &o, p, 1);
        p++;
    }
}

static int two_digits(const char *s, int *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return -1;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

int tep_store_parse_time(const char *text, const char *what, double *unix_seconds,
                         struct tep_error *err)
{
    const char *s = text;
    int year = 0, mon = 0, day = 0, hour = 0, min = 0, zh = 0, zm = 0, sign = 0;
    double sec = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9') goto bad;
        year = year * 10 + (s[i] - '0');
    }
    s += 4;
    if (*s++ != '-' || two_digits(s, &mon) != 0) goto bad;
    s += 2;
    if (*s++ != '-' || two_digits(s, &day) != 0) goto bad;
    s += 2;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (two_digits(s, &hour) != 0 || s[2] != ':' || two_digits(s + 3, &min) != 0) goto bad;
        s += 5;
        if (*s == ':') {
            int whole;
            if (two_digits(s + 1, &whole) != 0) goto bad;
            sec = whole;
            s += 3;
            if (*s == '.' || *s == ',') {
                double scale = 0.1;
                s++;
                if (*s < '0' || *s > '9') goto bad;
                for (; *s >= '0' && *s <= '9'; s++, scale /= 10)
                    sec += (*s - '0') * scale;
            }
        }
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '+' ? 1 : -1;
        s++;
        if (two_digits(s, &zh) != 0) goto bad;
        s += 2;
        if (*s == ':') s++;
        if (*s && two_digits(s, &zm) != 0) goto bad;
        if (*s) s += 2;
    }
    if (*s) goto bad;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec >= 61 ||
        zh > 23 || zm > 59)
        goto bad;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    time_t t = timegm(&tm);
    *unix_seconds = (double)t + sec - sign * (zh * 3600.0 + zm * 60.0);
    return 0;
bad:
    return tep_error_set(err, TEP_ERR_CONFIG,
                         "%s: expected an ISO-8601 time such as 2024-05-01T08:00:00Z, got '%s'",
                         what, text);
}

void tep_store_hide_secrets(char *text, const char *const *secrets, size_t nsecrets)
{
    for (size_t k = 0; k < nsecrets; k++) {
        size_t sl = secrets[k] ? strlen(secrets[k]) : 0;
        if (sl < 3) continue;
        char *hit;
        while ((hit = strstr(text, secrets[k])) != NULL) {
            memcpy(hit, "***", 3);
            memmove(hit + 3, hit + sl, strlen(hit + sl) + 1);
        }
    }
}

/* Copy `msg` into `out` on one line, without trailing blanks, every secret replaced. */
void tep_store_scrub_message(const char *msg, const char *const *secrets, size_t nsecrets,
                             char *out, size_t n)
{
    snprintf(out, n, "%s", msg ? msg : "");
    /* libpq's multi-line messages ("...\n\tThis probably means ...") on one line */
    char *w = out;
    for (const char *p = out; *p; p++) {
        bool space = *p == '\n' || *p == '\t' || *p == ' ';
        if (space && w > out && w[-1] == ' ') continue;
        *w++ = space ? ' ' : *p;
    }
    *w = '\0';
    while (w > out && w[-1] == ' ')
        *--w = '\0';
    tep_store_hide_secrets(out, secrets, nsecrets);
}
