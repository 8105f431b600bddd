/* influx_store.c - storage.type influxdb: InfluxDB 1.x, line protocol over HTTP (libcurl).
 *
 * Every processed row becomes one point of storage.measurement (default
 * tep_processed) in storage.database (default tep, created when missing):
 *   tags   run_id, fault (the row's fault label)
 *   fields sample (integer), time_h, and every value / feature column (float);
 *          a NaN or infinite value is left out; a row left with no value field is
 *          skipped and counted (runs' rows_skipped)
 *   time   the time base + time_h hours, in nanoseconds; the base is
 *          storage.start_time (ISO-8601) or the run's start.
 * Rows sharing run, fault label and time are one point for InfluxDB (the later
 * wins); rows_stored counts the points InfluxDB holds. One point per run in
 * <measurement>_runs (tag run_id) records its lineage, counts and quality metrics
 * (quality_json) once the run is complete.
 *
 * Guarantee (InfluxDB 1.x has no transactions). With storage.staging (default) a
 * run is written to <measurement>_staging first; only when all its points are
 * there, end_run drops the run's old series from <measurement> (rerun = replace:
 * DROP SERIES ... WHERE run_id = '...'), copies the staged points with
 * SELECT * INTO ... GROUP BY * (tags kept), checks the count copied, drops the
 * staging series and writes the _runs point. A failure before the copy (server
 * down, lost connection, a rejected batch) leaves <measurement> as it was; the
 * staging leftovers are dropped by abort_run, or by the next load of that run.
 * Only a crash during the copy itself can leave part of a run in <measurement>:
 * its _runs point then is missing or not "complete", and a rerun replaces it.
 * Without staging, points go straight to <measurement> (the old series dropped
 * when the run begins): at least once, a failed run may leave part of its points
 * until it is rerun. Requests are retried with exponential backoff for
 * storage.retry_seconds on connection errors and HTTP 5xx (all of them are
 * idempotent: a point written twice is one point). HTTP errors report the status
 * and the server's JSON "error" message; URLs and messages never show a password.
 * After the load, the server's count of the run's points is checked against what
 * was written: InfluxDB 1.6 with its default inmem index loses or revives points
 * of a series dropped and written again soon after (a server bug, reproduced with
 * curl alone); use index-version = "tsi1" (scripts/services.sh does).
 */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/progress.h"
#include "core/stage.h"
#include "io/csv_write.h"
#include "store/store.h"
#include "store/store_servers.h"

struct influx_options {
    char connection_string[TEP_CFG_STRING_MAX];
    char database[TEP_CFG_STRING_MAX];
    char measurement[TEP_CFG_STRING_MAX];
    char username[TEP_CFG_STRING_MAX];
    char password[TEP_CFG_STRING_MAX];
    long batch_rows;
    char start_time[TEP_CFG_STRING_MAX];
    double retry_seconds;
    double timeout_seconds;
    bool staging;
};

static const struct tep_cfg_key influx_keys[] = {
    {"connection_string", TEP_CFG_STRING, "http://127.0.0.1:8086",
     offsetof(struct influx_options, connection_string),
     "InfluxDB 1.x HTTP URL; may hold user:password@ (never logged)", NULL, TEP_CFG_UNBOUNDED},
    {"database", TEP_CFG_STRING, "tep", offsetof(struct influx_options, database),
     "database (created when missing)", NULL, TEP_CFG_UNBOUNDED},
    {"measurement", TEP_CFG_STRING, "tep_processed", offsetof(struct influx_options, measurement),
     "measurement of the rows (<measurement>_runs: one point per run, _staging: loading)", NULL,
     TEP_CFG_UNBOUNDED},
    {"username", TEP_CFG_STRING, "", offsetof(struct influx_options, username),
     "user name when authentication is on (or in the URL)", NULL, TEP_CFG_UNBOUNDED},
    {"password", TEP_CFG_STRING, "", offsetof(struct influx_options, password),
     "password (or in the URL; never logged)", NULL, TEP_CFG_UNBOUNDED},
    {"batch_rows", TEP_CFG_INT, "5000", offsetof(struct influx_options, batch_rows),
     "rows (points) per HTTP write request", NULL, 1, 1000000},
    {"start_time", TEP_CFG_STRING, "", offsetof(struct influx_options, start_time),
     "time base of the points (ISO-8601, UTC unless a zone is given): time = start_time + "
     "time_h; empty = each run's start",
     NULL, TEP_CFG_UNBOUNDED},
    {"retry_seconds", TEP_CFG_DOUBLE, "30", offsetof(struct influx_options, retry_seconds),
     "retry a request (exponential backoff) this long while the server does not answer or "
     "answers 5xx",
     NULL, 0, 86400},
    {"timeout_seconds", TEP_CFG_DOUBLE, "300", offsetof(struct influx_options, timeout_seconds),
     "longest time one HTTP request may take", NULL, 1, 86400},
    {"staging", TEP_CFG_BOOL, "true", offsetof(struct influx_options, staging),
     "write a run to <measurement>_staging and copy it into <measurement> when complete (a "
     "failed run leaves <measurement> as it was); false = write directly (at least once)",
     NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

struct strbuf {
    char *s;
    size_t len, cap;
};

struct influx_ctx {
    CURL *curl;
    struct curl_slist *form_headers;
    char base[TEP_CFG_STRING_MAX];  /* URL without a trailing '/' */
    char where[TEP_CFG_STRING_MAX]; /* masked URL for messages */
    char *secret;
    char errbuf[CURL_ERROR_SIZE];
    char db[128], meas[128], staging[160], runs[160];
    char write_url[TEP_CFG_STRING_MAX + 256];
    long batch_rows;
    double retry_seconds, start_base;
    bool use_staging;
    struct strbuf body, resp;
    size_t lines;
    /* the current run */
    bool in_run;
    char target[160];  /* measurement the points go to (staging or final) */
    char tag_run[2 * TEP_RUN_ID_MAX];   /* run_id escaped as a tag value (at most 2 bytes a byte) */
    char q_run[2 * TEP_RUN_ID_MAX + 2]; /* run_id as an InfluxQL string literal, quoted */
    int64_t base_ns, min_ns, max_ns;
    long long points, skipped;
};

/* ------------------------------------------------------------ buffers and escaping */

static int sb_reserve(struct strbuf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) return -1;
    b->s = s;
    b->cap = cap;
    return 0;
}

static int sb_add(struct strbuf *b, const char *s, size_t n)
{
    if (sb_reserve(b, n) != 0) return -1;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* Line protocol escaping: `special` lists the characters taking a backslash. */
static size_t escape_lp(char *out, size_t n, const char *s, const char *special)
{
    size_t o = 0;
    for (; *s && o + 2 < n; s++) {
        if (strchr(special, *s)) out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = '\0';
    return o;
}

/* An InfluxQL string literal: 'it\'s' */
static void quote_literal(char *out, size_t n, const char *s)
{
    size_t o = 0;
    out[o++] = '\'';
    for (; *s && o + 3 < n; s++) {
        if (*s == '\'' || *s == '\\') out[o++] = '\\';
        out[o++] = *s;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* A string field value: "..." with " and \ escaped; newlines become spaces. */
static int sb_add_string_field(struct strbuf *b, const char *s)
{
    if (sb_add(b, "\"", 1) != 0) return -1;
    for (; *s; s++) {
        char ch = *s == '\n' || *s == '\r' ? ' ' : *s;
        if ((ch == '"' || ch == '\\') && sb_add(b, "\\", 1) != 0) return -1;
        if (sb_add(b, &ch, 1) != 0) return -1;
    }
    return sb_add(b, "\"", 1);
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *user)
{
    struct strbuf *b = user;
    size_t n = size * nmemb;
    if (b->len > (1u << 24)) return n; /* keep at most 16 MiB of an answer */
    return sb_add(b, data, n) == 0 ? n : 0;
}

/* ------------------------------------------------------------ messages */

static void scrub(const struct influx_ctx *c, char *msg)
{
    const char *secret = c->secret;
    tep_store_hide_secrets(msg, &secret, 1);
}

/* The server's JSON "error" (top level or the first statement's), or the body text. */
static void server_message(const struct strbuf *resp, char *out, size_t n)
{
    out[0] = '\0';
    if (!resp->s || !resp->len) return;
    json_error_t jerr;
    json_t *root = json_loadb(resp->s, resp->len, 0, &jerr);
    const char *msg = NULL;
    if (root) {
        msg = json_string_value(json_object_get(root, "error"));
        json_t *results = json_object_get(root, "results");
        for (size_t i = 0; !msg && i < json_array_size(results); i++)
            msg = json_string_value(json_object_get(json_array_get(results, i), "error"));
    }
    snprintf(out, n, "%s", msg ? msg : resp->s);
    json_decref(root);
    size_t len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
}

static int http_fail(struct influx_ctx *c, struct tep_error *err, const char *what, long status)
{
    char msg[768];
    server_message(&c->resp, msg, sizeof msg);
    scrub(c, msg);
    const char *hint = status == 401 ? " (check storage.username / storage.password)" : "";
    return tep_error_set(err, status >= 500 ? TEP_ERR_NET : TEP_ERR_STORE,
                         "InfluxDB (%s): %s: HTTP %ld: %s%s", c->where, what, status,
                         msg[0] ? msg : "(no message)", hint);
}

/* ------------------------------------------------------------ HTTP */

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static bool transient(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
           rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
           rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_PARTIAL_FILE;
}

/* One request (POST when body is not NULL, else GET), retried with exponential
 * backoff on connection errors and 5xx for up to retry_seconds (0 = one try).
 * Returns the HTTP status (the answer in c->resp) or -1 with err set. */
static long http_request(struct influx_ctx *c, const char *url, const char *body, size_t len,
                         bool form, double retry_seconds, const char *what, struct tep_error *err)
{
    double t0 = tep_now_seconds(), delay = 0.25;
    int attempts = 0;
    for (;;) {
        attempts++;
        c->resp.len = 0;
        if (c->resp.s) c->resp.s[0] = '\0';
        c->errbuf[0] = '\0';
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        if (body) {
            curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
            curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
            curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, form ? c->form_headers : NULL);
        } else {
            curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
            curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
        }
        CURLcode rc = curl_easy_perform(c->curl);
        long status = 0;
        if (rc == CURLE_OK) curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        bool retry = (rc != CURLE_OK && transient(rc)) || (rc == CURLE_OK && status >= 500);
        if (rc == CURLE_OK && !retry) return status;
        double elapsed = tep_now_seconds() - t0;
        if (!retry || elapsed >= retry_seconds) {
            if (rc == CURLE_OK) {
                http_fail(c, err, what, status);
                if (attempts > 1)
                    tep_error_prefix(err, "after %d attempts in %.1f s", attempts, elapsed);
                return -1;
            }
            char msg[CURL_ERROR_SIZE + 64];
            snprintf(msg, sizeof msg, "%s", c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
            scrub(c, msg);
            return tep_error_set(err, TEP_ERR_NET,
                                 "InfluxDB (%s): %s: %s (after %d attempt%s in %.1f s; "
                                 "storage.retry_seconds: %g)",
                                 c->where, what, msg, attempts, attempts == 1 ? "" : "s", elapsed,
                                 retry_seconds);
        }
        if (attempts == 1)
            tep_warn("influxdb", "%s: %s; retrying for up to %g s", c->where,
                     rc == CURLE_OK ? "server error" : curl_easy_strerror(rc), retry_seconds);
        /* the last attempt comes at the deadline */
        sleep_seconds(delay < retry_seconds - elapsed ? delay : retry_seconds - elapsed);
        delay = delay * 2 > 5 ? 5 : delay * 2;
    }
}

/* Run one InfluxQL statement; returns the parsed answer (caller frees) or NULL. */
static json_t *influx_query(struct influx_ctx *c, const char *q, double retry_seconds,
                            const char *what, struct tep_error *err)
{
    char url[TEP_CFG_STRING_MAX + 64];
    snprintf(url, sizeof url, "%s/query", c->base);
    char *eq = curl_easy_escape(c->curl, q, 0), *edb = curl_easy_escape(c->curl, c->db, 0);
    struct strbuf form = {0};
    int bad = !eq || !edb || sb_add(&form, "db=", 3) || sb_add(&form, edb, strlen(edb)) ||
              sb_add(&form, "&q=", 3) || sb_add(&form, eq, strlen(eq));
    curl_free(eq);
    curl_free(edb);
    if (bad) {
        free(form.s);
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    tep_debug("influxdb", "query: %s", q);
    long status = http_request(c, url, form.s, form.len, true, retry_seconds, what, err);
    free(form.s);
    if (status < 0) return NULL;
    if (status != 200) {
        http_fail(c, err, what, status);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(c->resp.s ? c->resp.s : "", c->resp.len, 0, &jerr);
    if (!root) {
        tep_error_set(err, TEP_ERR_STORE, "InfluxDB (%s): %s: the answer is not JSON: %s", c->where,
                      what, jerr.text);
        return NULL;
    }
    json_t *results = json_object_get(root, "results");
    for (size_t i = 0; i < json_array_size(results); i++) {
        const char *e = json_string_value(json_object_get(json_array_get(results, i), "error"));
        if (e) {
            char msg[768];
            snprintf(msg, sizeof msg, "%s", e);
            scrub(c, msg);
            tep_error_set(err, TEP_ERR_STORE, "InfluxDB (%s): %s: %s", c->where, what, msg);
            json_decref(root);
            return NULL;
        }
    }
    return root;
}

static int influx_exec(struct influx_ctx *c, const char *q, double retry_seconds, const char *what,
                       struct tep_error *err)
{
    json_t *root = influx_query(c, q, retry_seconds, what, err);
    json_decref(root);
    return root ? 0 : -1;
}

/* POST the lines gathered in c->body to `measurement`'s database. */
static int flush_lines(struct influx_ctx *c, struct tep_error *err)
{
    if (c->lines == 0) return 0;
    long status = http_request(c, c->write_url, c->body.s, c->body.len, false, c->retry_seconds,
                               "cannot write points", err);
    if (status < 0) return -1;
    if (status != 204 && status != 200) return http_fail(c, err, "cannot write points", status);
    c->body.len = 0;
    c->lines = 0;
    return 0;
}

/* ------------------------------------------------------------ stage callbacks */

static int check_name(const char *key, const char *value, struct tep_error *err)
{
    if (tep_store_identifier_ok(value)) return 0;
    return tep_error_set(err, TEP_ERR_CONFIG,
                         "storage.%s: '%s' is not a safe name (letters, digits, '_' and '.', "
                         "starting with a letter or '_', at most 63 bytes)",
                         key, value);
}

static int influx_init(struct tep_stage *stage, struct tep_error *err)
{
    struct influx_options *o = stage->options;
    struct influx_ctx *c = calloc(1, sizeof *c);
    if (!c) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    stage->ctx = c;
    c->batch_rows = o->batch_rows;
    c->retry_seconds = o->retry_seconds;
    c->use_staging = o->staging;
    c->start_base = NAN;
    if (check_name("database", o->database, err) != 0) return -1;
    if (check_name("measurement", o->measurement, err) != 0) return -1;
    snprintf(c->db, sizeof c->db, "%s", o->database);
    snprintf(c->meas, sizeof c->meas, "%s", o->measurement);
    snprintf(c->staging, sizeof c->staging, "%s_staging", o->measurement);
    snprintf(c->runs, sizeof c->runs, "%s_runs", o->measurement);
    if (check_name("measurement", c->staging, err) != 0) return -1;
    if (o->start_time[0] &&
        tep_store_parse_time(o->start_time, "storage.start_time", &c->start_base, err) != 0)
        return -1;
    tep_store_mask_connection(o->connection_string, c->where, sizeof c->where);
    if (strncmp(o->connection_string, "http://", 7) != 0 &&
        strncmp(o->connection_string, "https://", 8) != 0)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.connection_string: expected an http:// or https:// URL of "
                             "InfluxDB, got '%s'",
                             c->where);
    snprintf(c->base, sizeof c->base, "%s", o->connection_string);
    size_t bl = strlen(c->base);
    while (bl > 0 && c->base[bl - 1] == '/')
        c->base[--bl] = '\0';
    /* the URL's password or the password key: scrubbed from every message */
    if (o->password[0]) {
        c->secret = strdup(o->password);
    } else {
        const char *auth = strstr(o->connection_string, "://") + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = NULL, *colon = NULL;
        for (const char *p = auth; p < auth + alen; p++)
            if (*p == '@') at = p;
        if (at) colon = memchr(auth, ':', (size_t)(at - auth));
        if (colon) c->secret = strndup(colon + 1, (size_t)(at - colon - 1));
    }
    c->curl = curl_easy_init();
    if (!c->curl) return tep_error_set(err, TEP_ERR_NOMEM, "cannot start libcurl");
    c->form_headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    if (!c->form_headers) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->resp);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)(o->timeout_seconds * 1000));
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "tep");
    if (o->username[0]) curl_easy_setopt(c->curl, CURLOPT_USERNAME, o->username);
    if (o->password[0]) curl_easy_setopt(c->curl, CURLOPT_PASSWORD, o->password);
    char *edb = curl_easy_escape(c->curl, c->db, 0);
    if (!edb) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    snprintf(c->write_url, sizeof c->write_url, "%s/write?db=%s&precision=ns", c->base, edb);
    curl_free(edb);

    char url[TEP_CFG_STRING_MAX + 16];
    snprintf(url, sizeof url, "%s/ping", c->base);
    long status =
        http_request(c, url, NULL, 0, false, c->retry_seconds, "cannot reach the server", err);
    if (status < 0) return -1;
    if (status != 204 && status != 200)
        return http_fail(c, err, "the server does not answer like InfluxDB 1.x (/ping)", status);
    char q[256];
    snprintf(q, sizeof q, "CREATE DATABASE \"%s\"", c->db);
    if (influx_exec(c, q, c->retry_seconds, "cannot create the database", err) != 0) return -1;
    tep_debug("influxdb", "connected to %s; database %s, measurement %s%s", c->where, c->db,
              c->meas, c->use_staging ? " (staged loads)" : "");
    return 0;
}

static int drop_run_series(struct influx_ctx *c, const char *measurement, double retry_seconds,
                           struct tep_error *err)
{
    char q[sizeof c->q_run + 512];
    snprintf(q, sizeof q, "DROP SERIES FROM \"%s\" WHERE \"run_id\" = %s", measurement, c->q_run);
    return influx_exec(c, q, retry_seconds, "cannot remove the run's previous points", err);
}

static int influx_begin_run(struct tep_stage *stage, struct tep_run_meta *meta,
                            struct tep_error *err)
{
    struct influx_ctx *c = stage->ctx;
    if (strpbrk(meta->run_id, "\n\r"))
        return tep_error_set(err, TEP_ERR_STORE, "InfluxDB: run id '%s' holds a line break",
                             meta->run_id);
    escape_lp(c->tag_run, sizeof c->tag_run, meta->run_id, ", =");
    quote_literal(c->q_run, sizeof c->q_run, meta->run_id);
    snprintf(c->target, sizeof c->target, "%s", c->use_staging ? c->staging : c->meas);
    /* leftovers of an interrupted load, or (without staging) the previous run */
    if (drop_run_series(c, c->target, c->retry_seconds, err) != 0) return -1;
    double base = isnan(c->start_base) ? meta->started_unix : c->start_base;
    double whole = floor(base);
    c->base_ns = (int64_t)whole * 1000000000 + llround((base - whole) * 1e9);
    c->min_ns = INT64_MAX;
    c->max_ns = INT64_MIN;
    c->points = c->skipped = 0;
    c->body.len = 0;
    c->lines = 0;
    c->in_run = true;
    return 0;
}

static long influx_process(struct tep_stage *stage, struct tep_frame *f, struct tep_run_meta *meta,
                           struct tep_error *err)
{
    struct influx_ctx *c = stage->ctx;
    (void)meta;
    if (f->nrows == 0) return 0;
    /* escaped field keys, once per chunk */
    size_t ncols = f->ncols;
    char(*keys)[2 * TEP_COLUMN_NAME_MAX + 2] = malloc((ncols ? ncols : 1) * sizeof *keys);
    if (!keys) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ncols; i++) {
        size_t n = escape_lp(keys[i], sizeof keys[i] - 1, f->cols[i].name, ", =");
        keys[i][n] = '=';
        keys[i][n + 1] = '\0';
    }
    char prefix[sizeof c->tag_run + 800];
    size_t plen = escape_lp(prefix, sizeof prefix, c->target, ", ");
    plen += (size_t)snprintf(prefix + plen, sizeof prefix - plen, ",run_id=%s,fault=", c->tag_run);
    long rc = -1;
    for (size_t r = 0; r < f->nrows; r++) {
        if (sb_reserve(&c->body, plen + 96 + ncols * (2 * TEP_COLUMN_NAME_MAX + 40)) != 0) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto done;
        }
        size_t start = c->body.len;
        char *p = c->body.s + start;
        memcpy(p, prefix, plen);
        p += plen;
        p += sprintf(p, "%d sample=%lldi", (int)f->fault[r], (long long)f->sample[r]);
        double t = f->time_h[r];
        if (isfinite(t)) {
            memcpy(p, ",time_h=", 8);
            p += 8;
            p += tep_format_double(p, t);
        }
        size_t values = 0;
        for (size_t i = 0; i < ncols; i++) {
            double v = f->cols[i].data[r];
            if (!isfinite(v)) continue;
            *p++ = ',';
            size_t kl = strlen(keys[i]);
            memcpy(p, keys[i], kl);
            p += kl;
            p += tep_format_double(p, v);
            values++;
        }
        if (values == 0) { /* nothing measured in this row: no point */
            c->body.len = start;
            c->body.s[start] = '\0';
            c->skipped++;
            continue;
        }
        int64_t ns = c->base_ns + (isfinite(t) ? llround(t * 3600e9) : 0);
        p += sprintf(p, " %lld\n", (long long)ns);
        c->body.len = (size_t)(p - c->body.s);
        if (ns < c->min_ns) c->min_ns = ns;
        if (ns > c->max_ns) c->max_ns = ns;
        c->points++;
        if (++c->lines >= (size_t)c->batch_rows && flush_lines(c, err) != 0) goto done;
    }
    rc = (long)f->nrows;
done:
    free(keys);
    return rc;
}

/* The number in a SELECT INTO answer: results[0].series[0].values[0][1]. */
static long long written_count(json_t *root)
{
    json_t *series = json_object_get(json_array_get(json_object_get(root, "results"), 0), "series");
    json_t *row = json_array_get(json_object_get(json_array_get(series, 0), "values"), 0);
    json_t *v = json_array_get(row, 1);
    return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

static int write_runs_point(struct influx_ctx *c, struct tep_run_meta *meta, struct tep_error *err)
{
    struct strbuf *b = &c->body;
    char num[64], *quality = tep_store_quality_json(meta);
    int bad = 0;
    b->len = 0;
    c->lines = 0;
    char head[sizeof c->tag_run + 800];
    size_t hl = escape_lp(head, sizeof head, c->runs, ", ");
    snprintf(head + hl, sizeof head - hl, ",run_id=%s status=\"complete\"", c->tag_run);
    bad |= sb_add(b, head, strlen(head));
    snprintf(num, sizeof num, ",rows_read=%lldi,rows_stored=%lldi,rows_skipped=%lldi,fault=%di",
             meta->rows_read, meta->rows_stored, c->skipped, meta->fault);
    bad |= sb_add(b, num, strlen(num));
    const struct {
        const char *key;
        double v;
    } floats[] = {{"fault_onset_h", meta->fault_onset_h},
                  {"seed", meta->seed},
                  {"hours", meta->hours},
                  {"started_unix", meta->started_unix},
                  {"finished_unix", meta->finished_unix}};
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        if (!isfinite(floats[i].v)) continue;
        int n = snprintf(num, sizeof num, ",%s=", floats[i].key);
        tep_format_double(num + n, floats[i].v);
        bad |= sb_add(b, num, strlen(num));
    }
    if (meta->size_bytes >= 0) {
        snprintf(num, sizeof num, ",size_bytes=%lldi", meta->size_bytes);
        bad |= sb_add(b, num, strlen(num));
    }
    const struct {
        const char *key, *v;
    } strings[] = {{"source_kind", meta->source_kind},
                   {"source", meta->source},
                   {"sha256", meta->sha256},
                   {"config_sha256", meta->config_sha256},
                   {"shutdown_reason", meta->shutdown_step > 0 ? meta->shutdown_reason : ""},
                   {"quality_json", quality ? quality : ""}};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (!strings[i].v[0]) continue;
        bad |= sb_add(b, ",", 1) || sb_add(b, strings[i].key, strlen(strings[i].key)) ||
               sb_add(b, "=", 1) || sb_add_string_field(b, strings[i].v);
    }
    snprintf(num, sizeof num, " %lld\n", (long long)c->base_ns);
    bad |= sb_add(b, num, strlen(num));
    free(quality);
    if (bad) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    c->lines = 1;
    return flush_lines(c, err);
}

static int influx_end_run(struct tep_stage *stage, struct tep_run_meta *meta,
                          struct tep_frame *tail, struct tep_error *err)
{
    (void)tail;
    struct influx_ctx *c = stage->ctx;
    char q[sizeof c->q_run + 1400];
    if (flush_lines(c, err) != 0) return -1;
    long long stored = c->points, copied = -1;
    if (c->use_staging) {
        if (drop_run_series(c, c->meas, c->retry_seconds, err) != 0) return -1;
        if (c->points > 0) {
            snprintf(q, sizeof q,
                     "SELECT * INTO \"%s\" FROM \"%s\" WHERE \"run_id\" = %s AND time >= %lld "
                     "AND time <= %lld GROUP BY *",
                     c->meas, c->staging, c->q_run, (long long)c->min_ns, (long long)c->max_ns);
            json_t *root = influx_query(c, q, c->retry_seconds,
                                        "cannot copy the run from the staging measurement", err);
            if (!root) return -1;
            copied = written_count(root);
            json_decref(root);
        }
        if (drop_run_series(c, c->staging, c->retry_seconds, err) != 0) return -1;
    }
    if (c->points > 0) { /* what the server holds now, checked */
        snprintf(q, sizeof q, "SELECT count(\"sample\") FROM \"%s\" WHERE \"run_id\" = %s", c->meas,
                 c->q_run);
        json_t *root = influx_query(c, q, c->retry_seconds, "cannot count the run's points", err);
        if (!root) return -1;
        stored = written_count(root);
        json_decref(root);
        if (stored > c->points || (copied >= 0 && stored != copied))
            return tep_error_set(err, TEP_ERR_STORE,
                                 "InfluxDB (%s): run %s: %lld points written%s, but the server "
                                 "counts %lld; InfluxDB 1.x's inmem index is known to lose or "
                                 "revive points of series dropped and written again: use "
                                 "index-version = \"tsi1\" (run the load again to replace it)",
                                 c->where, meta->run_id, c->points,
                                 copied >= 0 ? " and copied" : "", stored);
    } else {
        stored = 0;
    }
    if (stored < c->points)
        tep_warn("influxdb",
                 "run %s: %lld rows shared their run, fault label and time with another "
                 "row: InfluxDB keeps one point for them",
                 meta->run_id, c->points - stored);
    if (c->skipped > 0)
        tep_info("influxdb", "run %s: %lld rows without any value were skipped", meta->run_id,
                 c->skipped);
    meta->rows_stored = stored;
    if (drop_run_series(c, c->runs, c->retry_seconds, err) != 0) return -1;
    if (write_runs_point(c, meta, err) != 0) return -1;
    c->in_run = false;
    return 0;
}

static void influx_abort_run(struct tep_stage *stage, struct tep_run_meta *meta)
{
    struct influx_ctx *c = stage->ctx;
    if (!c || !c->in_run) return;
    c->in_run = false;
    c->body.len = 0;
    c->lines = 0;
    struct tep_error ignored;
    tep_error_clear(&ignored);
    /* one try: the server may be what failed */
    if (drop_run_series(c, c->target, 0, &ignored) == 0)
        tep_warn("influxdb", "run %s not stored; its points were removed from %s", meta->run_id,
                 c->target);
    else if (c->use_staging)
        tep_warn("influxdb",
                 "run %s not stored (%s is as before the run); its partial points in "
                 "%s are removed when the run is loaded again",
                 meta->run_id, c->meas, c->staging);
    else
        tep_warn("influxdb",
                 "run %s not stored; its partial points stay in %s until the run is "
                 "loaded again",
                 meta->run_id, c->meas);
}

static int influx_finish(struct tep_stage *stage, struct tep_error *err)
{
    (void)stage;
    (void)err;
    return 0;
}

static void influx_destroy(struct tep_stage *stage)
{
    struct influx_ctx *c = stage->ctx;
    if (!c) return;
    if (c->curl) curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->form_headers);
    free(c->body.s);
    free(c->resp.s);
    free(c->secret);
    free(c);
    stage->ctx = NULL;
}

const struct tep_stage_plugin tep_store_influxdb_plugin = {
    .name = "influxdb",
    .description = "InfluxDB 1.x server (line protocol over HTTP)",
    .kind = TEP_STAGE_OUTPUT,
    .config_keys = influx_keys,
    .options_size = sizeof(struct influx_options),
    .init = influx_init,
    .begin_run = influx_begin_run,
    .process = influx_process,
    .end_run = influx_end_run,
    .abort_run = influx_abort_run,
    .finish = influx_finish,
    .destroy = influx_destroy,
};
