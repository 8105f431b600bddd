/* s3_client.c - the lake store's S3 client (see s3_client.h).
 *
 * Requests are signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4,
 * curl >= 7.75), path-style URLs on storage.endpoint (virtual-hosted on AWS
 * when no endpoint is set); errors give the HTTP status and the server's
 * <Code> and <Message>. A request that fails on the way (connection reset, 5xx)
 * is tried up to three times. Answers are kept up to 16 MiB (listings, errors).
 */
#include "store/s3_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LAKE_S3_PUT_MAX ((long long)5 << 30) /* single PUT / copy limit */
#define LAKE_BODY_LIMIT ((size_t)16 << 20)   /* longest XML answer we keep */
#define LAKE_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ------------------------------------------------------------------ lists */

int strlist_add(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s))) return -1;
    l->n++;
    return 0;
}

bool strlist_has(const struct strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return true;
    return false;
}

void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------ client */

int s3_client_open(struct s3_client *c, struct tep_error *err)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (v->version_num < 0x074b00)
        return tep_error_set(err, TEP_ERR_UNSUPPORTED,
                             "storage: S3 needs libcurl >= 7.75 (AWS SigV4 signing); this is %s",
                             v->version);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->curl = curl_easy_init()))
        return tep_error_set(err, TEP_ERR_NET, "storage: cannot initialise libcurl");
    return 0;
}

void s3_client_close(struct s3_client *c)
{
    if (c->curl) curl_easy_cleanup(c->curl);
    c->curl = NULL;
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    struct s3_body *b = user;
    size_t k = size * n;
    if (b->len + k + 1 > LAKE_BODY_LIMIT) return 0; /* abort: not an answer we expect */
    if (b->len + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + k + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, k);
    b->len += k;
    b->data[b->len] = '\0';
    return k;
}

static size_t read_nothing(char *p, size_t size, size_t n, void *user)
{
    (void)p;
    (void)size;
    (void)n;
    (void)user;
    return 0;
}

/* Append `s` percent-encoded (AWS rules: A-Z a-z 0-9 - _ . ~ kept, and '/' when
 * keep_slash) to out[*n..]; false when it does not fit. */
static bool uri_encode_keep(const char *s, const char *keep, char *out, size_t cap, size_t *n);
bool s3_uri_encode(const char *s, bool keep_slash, char *out, size_t cap, size_t *n)
{
    return uri_encode_keep(s, keep_slash ? "/" : "", out, cap, n);
}

/* The same, keeping the bytes of `keep` as they are. */
static bool uri_encode_keep(const char *s, const char *keep, char *out, size_t cap, size_t *n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
                     strchr(keep, *p) != NULL;
        if (*n + 4 >= cap) return false;
        if (plain) {
            out[(*n)++] = (char)*p;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hex[*p >> 4];
            out[(*n)++] = hex[*p & 15];
        }
    }
    out[*n] = '\0';
    return true;
}

/* Text of the first <tag>...</tag> in xml, entities decoded; false if absent. */
bool s3_xml_text(const char *xml, const char *tag, char *out, size_t cap, const char **after)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = xml ? strstr(xml, open) : NULL;
    if (!a) return false;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b) return false;
    if (after) *after = b + strlen(close);
    size_t n = 0;
    for (const char *p = a; p < b && n + 1 < cap;) {
        if (*p != '&') {
            out[n++] = *p++;
            continue;
        }
        static const struct {
            const char *ent;
            char ch;
        } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (size_t i = 0; i < sizeof ents / sizeof *ents && !done; i++)
            if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0) {
                out[n++] = ents[i].ch;
                p += strlen(ents[i].ent);
                done = true;
            }
        if (!done && p[1] == '#') {
            char *end;
            long v = p[2] == 'x' ? strtol(p + 3, &end, 16) : strtol(p + 2, &end, 10);
            if (*end == ';' && v > 0 && v < 128) {
                out[n++] = (char)v;
                p = end + 1;
                done = true;
            }
        }
        if (!done) out[n++] = *p++;
    }
    out[n] = '\0';
    return true;
}

static void s3_describe(const struct s3_client *c, const struct s3_req *q, char *out, size_t n)
{
    snprintf(out, n, "S3 %s%s s3://%s/%s%s%s", q->copy_from ? "COPY" : q->method,
             q->query && !q->copy_from ? " (list)" : "", c->bucket, q->key ? q->key : "",
             q->copy_from ? " from " : "", q->copy_from ? q->copy_from : "");
}

static int s3_url(const struct s3_client *c, const char *key, const char *query, char *out,
                  size_t cap)
{
    size_t n;
    if (c->virtual_host)
        n = (size_t)snprintf(out, cap, "https://%s.s3.%s.amazonaws.com/", c->bucket, c->region);
    else
        n = (size_t)snprintf(out, cap, "%s/%s%s", c->endpoint, c->bucket, key ? "/" : "");
    if (n >= cap) return -1;
    if (key && !s3_uri_encode(key, true, out, cap, &n)) return -1;
    if (query && query[0]) {
        if (n + strlen(query) + 2 >= cap) return -1;
        out[n++] = '?';
        strcpy(out + n, query);
    }
    return 0;
}

/* One request; 0 when the server answered 2xx (and a copy reported no error). */
int s3_call(struct s3_client *c, const struct s3_req *q, struct s3_body *body,
            struct tep_error *err)
{
    char what[1400], url[3 * 2048];
    s3_describe(c, q, what, sizeof what);
    if (s3_url(c, q->key, q->query, url, sizeof url) != 0)
        return tep_error_set(err, TEP_ERR_STORE, "%s: key too long for a request URL", what);
    FILE *in = NULL;
    long long size = 0;
    if (q->upload_path) {
        in = fopen(q->upload_path, "rb");
        struct stat st;
        if (!in || fstat(fileno(in), &st) != 0) {
            if (in) fclose(in);
            return tep_error_set_errno(err, TEP_ERR_IO, "cannot read the part file",
                                       q->upload_path);
        }
        size = (long long)st.st_size;
        if (size > LAKE_S3_PUT_MAX) {
            fclose(in);
            return tep_error_set(err, TEP_ERR_STORE,
                                 "%s: the part file has %lld bytes, more than a single S3 PUT "
                                 "takes (5 GiB); lower storage.part_max_rows",
                                 what, size);
        }
    }
    char copy_header[3 * 1100 + 64];
    if (q->copy_from) {
        size_t n =
            (size_t)snprintf(copy_header, sizeof copy_header, "x-amz-copy-source: /%s/", c->bucket);
        /* '=' stays literal: servers URL-decode this header, and some (s3rver) decode
         * it with JavaScript's decodeURI, which leaves %3D as it is */
        if (!uri_encode_keep(q->copy_from, "/=", copy_header, sizeof copy_header, &n))
            return tep_error_set(err, TEP_ERR_STORE, "%s: key too long", what);
    }
    int rc = -1;
    long status = 0;
    for (int attempt = 1;; attempt++) {
        struct curl_slist *headers = NULL, *h;
        body->len = 0;
        if (body->data) body->data[0] = '\0';
        curl_easy_reset(c->curl);
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_error);
        curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, c->timeout);
        curl_easy_setopt(c->curl, CURLOPT_AWS_SIGV4, c->sigv4);
        curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->access_key);
        curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->secret_key);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, body);
        c->curl_error[0] = '\0';
        /* curl 7.88 signs the payload hash given in this header; S3 requires it */
        h = curl_slist_append(headers, q->upload_path ? "x-amz-content-sha256: UNSIGNED-PAYLOAD"
                                                      : "x-amz-content-sha256: " LAKE_EMPTY_SHA256);
        if (h) headers = h;
        if (h && c->session_token[0]) {
            char tok[sizeof c->session_token + 32];
            snprintf(tok, sizeof tok, "x-amz-security-token: %s", c->session_token);
            if ((h = curl_slist_append(headers, tok))) headers = h;
        }
        if (h && q->copy_from && (h = curl_slist_append(headers, copy_header))) headers = h;
        if (!h) {
            curl_slist_free_all(headers);
            if (in) fclose(in);
            return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        }
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
        if (strcmp(q->method, "PUT") == 0) {
            curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
            if (in) {
                rewind(in);
                curl_easy_setopt(c->curl, CURLOPT_READDATA, in);
            } else {
                curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, read_nothing);
            }
            curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
        } else if (strcmp(q->method, "GET") != 0) {
            curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, q->method);
        }
        CURLcode cc = curl_easy_perform(c->curl);
        curl_slist_free_all(headers);
        status = 0;
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        body->status = status;
        bool transient =
            (cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
             cc == CURLE_PARTIAL_FILE) ||
            (cc == CURLE_OK && (status == 500 || status == 502 || status == 503 || status == 504));
        if (transient && attempt < 3) {
            struct timespec pause = {0, 250000000L * attempt * attempt};
            nanosleep(&pause, NULL);
            continue;
        }
        if (cc != CURLE_OK) {
            tep_error_set(err, TEP_ERR_NET, "%s: request to %s failed: %s (curl error %d)", what,
                          url, c->curl_error[0] ? c->curl_error : curl_easy_strerror(cc), (int)cc);
            break;
        }
        bool copy_failed = q->copy_from && body->data && strstr(body->data, "<Error>");
        if (status >= 200 && status < 300 && !copy_failed) {
            rc = 0;
            break;
        }
        char code[256] = "", message[512] = "";
        s3_xml_text(body->data, "Code", code, sizeof code, NULL);
        s3_xml_text(body->data, "Message", message, sizeof message, NULL);
        tep_error_set(err, TEP_ERR_STORE, "%s: HTTP %ld%s%s%s%s%s", what, status,
                      code[0] ? " " : "", code, message[0] ? ": " : "", message,
                      code[0] || message[0] ? "" : " (no error document in the answer)");
        if (status == 403 &&
            (!strcmp(code, "InvalidAccessKeyId") || !strcmp(code, "SignatureDoesNotMatch")))
            tep_error_prefix(err, "S3 credentials rejected (storage.access_key / secret_key or "
                                  "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
        break;
    }
    if (in) fclose(in);
    return rc;
}

/* Every key under `prefix` (all pages). */
int s3_list(struct s3_client *c, const char *prefix, struct strlist *out, struct tep_error *err)
{
    struct s3_body body = {0};
    char token[2048] = "", query[8192];
    int rc = -1;
    for (;;) {
        size_t n = 0;
        query[0] = '\0';
        if (token[0]) {
            n = (size_t)snprintf(query, sizeof query, "continuation-token=");
            if (!s3_uri_encode(token, false, query, sizeof query, &n)) goto too_long;
            query[n++] = '&';
        }
        n += (size_t)snprintf(query + n, sizeof query - n, "list-type=2&%sprefix=", c->page_keys);
        if (n >= sizeof query || !s3_uri_encode(prefix, false, query, sizeof query, &n))
            goto too_long;
        struct s3_req q = {.method = "GET", .query = query};
        if (s3_call(c, &q, &body, err) != 0) goto done;
        const char *p = body.data ? body.data : "";
        char item[2048];
        while (s3_xml_text(p, "Key", item, sizeof item, &p))
            if (strlist_add(out, item)) goto nomem;
        char truncated[16] = "";
        s3_xml_text(body.data, "IsTruncated", truncated, sizeof truncated, NULL);
        if (strcmp(truncated, "true") != 0) break;
        if (!s3_xml_text(body.data, "NextContinuationToken", token, sizeof token, NULL) ||
            !token[0]) {
            tep_error_set(err, TEP_ERR_STORE,
                          "S3 list s3://%s/%s: truncated answer without a continuation token",
                          c->bucket, prefix);
            goto done;
        }
    }
    rc = 0;
    goto done;
too_long:
    tep_error_set(err, TEP_ERR_STORE, "S3 list: prefix too long");
    goto done;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
done:
    free(body.data);
    return rc;
}

int s3_simple(struct s3_client *c, const char *method, const char *key, const char *upload,
              const char *copy_from, struct tep_error *err)
{
    struct s3_body body = {0};
    struct s3_req q = {.method = method, .key = key, .upload_path = upload, .copy_from = copy_from};
    int rc = s3_call(c, &q, &body, err);
    free(body.data);
    return rc;
}

/* "<prefix>/<rest>" or "<rest>" */
void s3_key(const struct s3_client *c, char *out, size_t n, const char *fmt, ...)
{
    size_t used = c->prefix[0] ? (size_t)snprintf(out, n, "%s/", c->prefix) : 0;
    if (used >= n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + used, n - used, fmt, ap);
    va_end(ap);
}
