/* lake_store.c - the `parquet` output plugin: a Hive-partitioned Parquet data
 * lake in a local folder or on an S3-compatible object store (layout and run-id
 * escaping in store_lake.h).
 *
 * A run's rows are written while it runs, in arrival order, into part files in a
 * private work area (local: <root>/_staging/<pid>-<n>-<run>/data/; S3: a local
 * spool folder), one row group per chunk, a new part file after part_max_rows
 * rows. All of a run's part files lie in ONE folder,
 * tep_processed/run_fault=<k>/run=<run>/ (k = the run's own fault, known when the
 * run ends), so publishing a run is one rename. Nothing is visible to readers
 * until end_run publishes:
 *
 * Local folder: (1) the run's published runs/run=<run>/runs.parquet, if any, is
 *   renamed away (withdrawn); (2) a published folder of the run under another
 *   run_fault is renamed away; (3) the new run folder replaces the published one
 *   by one atomic renameat2(RENAME_EXCHANGE), or is renamed into place when
 *   there is none; (4) the new runs.parquet is renamed into place; the work area,
 *   now holding the old version, is deleted. After any of these steps (a crash
 *   included) every reader, a plain glob over tep_processed/ included, sees the
 *   run's old version whole, its new version whole, or nothing, never a mix; and
 *   a runs row exists only for the version whose rows are there (a crash between
 *   (1) and (4) leaves the rows without a runs row until the run is stored again).
 *   On a file system without RENAME_EXCHANGE the old folder is renamed away
 *   first (the run is absent between two renames). A failure (with storage.sync, a
 *   folder that cannot be synced too) undoes the renames done so far, in reverse;
 *   abort_run (or a failure before publishing) deletes the work area: the lake is
 *   exactly as before. Work areas of processes that
 *   died (holding unpublished or replaced versions) are deleted by the next init.
 *   Publishes into one lake take turns (flock on its _staging folder), so two
 *   writers storing the same run at once end with one version and its runs row.
 * S3: part files are uploaded (one PUT each, at most 5 GiB) under
 *   <prefix>/_tmp/<commit>/...; the run's published keys are found by listing
 *   run_fault=<k>/run=<run>/ for the new k and the k named in the published
 *   runs.parquet (a few requests per run whatever the lake's size); then
 *   runs/run=<run>/runs.parquet is replaced by a row with status `publishing`
 *   listing the old and new keys (so a run interrupted from here on is marked, and
 *   its next store finds every key it may have left); the old keys the new version
 *   does not overwrite are deleted; the parts are copied server-side to their
 *   final keys (each object replaced atomically); the `complete` runs.parquet is
 *   PUT last and the temporary keys are deleted (a failure there only leaves
 *   garbage under _tmp/). A run of one part (any run up to part_max_rows rows)
 *   under an unchanged run_fault is thus replaced atomically for every reader; S3
 *   has no multi-object transaction, so a reader listing a run of several parts
 *   while it is copied may see some parts new and others old: readers that need
 *   whole runs take those whose runs row says `complete` (its `parts` are then
 *   exactly the run's keys). A failure before the copies leaves the final keys
 *   untouched and abort deletes the uploads. Two writers storing the same run at
 *   once: the last to publish wins (no lock).
 * Requests go through s3_client.c (AWS Signature V4 by libcurl, path-style URLs
 * on storage.endpoint, virtual-hosted on AWS when no endpoint is set). Bucket and
 * key prefix are validated before any request.
 * process() runs in the pipeline's writer thread, everything else on the main
 * thread, never concurrently: the context needs no lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/log.h"
#include "core/stage.h"
#include "io/parquet.h"
#include "store/s3_client.h"
#include "store/store.h"
#include "store/store_lake.h"

#define LAKE_PATH_MAX 4096
#define LAKE_DATA_DIR "tep_processed"
#define LAKE_RUNS_DIR "runs"
#define LAKE_STAGING_DIR "_staging"
#define LAKE_TMP_PREFIX "_tmp"
#define LAKE_RUNS_FILE "runs.parquet"
#define LAKE_RUN_FAULT_KEY "run_fault"       /* partition key of the run's own fault */
#define LAKE_WORK_DATA "data"                /* the run folder inside a work area */

enum { CODEC_ZSTD, CODEC_SNAPPY, CODEC_NONE };

struct lake_options {
    char connection_string[TEP_CFG_STRING_MAX];
    char path[TEP_CFG_STRING_MAX];
    int codec;
    char endpoint[TEP_CFG_STRING_MAX];
    char region[TEP_CFG_STRING_MAX];
    char access_key[TEP_CFG_STRING_MAX];
    char secret_key[TEP_CFG_STRING_MAX];
    long part_max_rows;
    char spool_dir[TEP_CFG_STRING_MAX];
    long timeout;
    bool sync;
};

static const struct tep_cfg_key lake_keys[] = {
    {"connection_string", TEP_CFG_STRING, "", offsetof(struct lake_options, connection_string),
     "the lake's root: a folder (created when missing) or s3://bucket/prefix (same as path)", NULL,
     TEP_CFG_UNBOUNDED},
    {"path", TEP_CFG_STRING, "", offsetof(struct lake_options, path),
     "the lake's root (alternative spelling of connection_string; default data/lake)", NULL,
     TEP_CFG_UNBOUNDED},
    {"codec", TEP_CFG_ENUM, "zstd", offsetof(struct lake_options, codec),
     "compression of the Parquet files", "zstd|snappy|none", TEP_CFG_UNBOUNDED},
    {"endpoint", TEP_CFG_STRING, "", offsetof(struct lake_options, endpoint),
     "S3: server URL http(s)://host[:port] for path-style requests (MinIO, ...); empty = AWS "
     "(https://<bucket>.s3.<region>.amazonaws.com)",
     NULL, TEP_CFG_UNBOUNDED},
    {"region", TEP_CFG_STRING, "us-east-1", offsetof(struct lake_options, region),
     "S3: region used in the request signature", NULL, TEP_CFG_UNBOUNDED},
    {"access_key", TEP_CFG_STRING, "", offsetof(struct lake_options, access_key),
     "S3: access key id (default: the AWS_ACCESS_KEY_ID environment variable)", NULL,
     TEP_CFG_UNBOUNDED},
    {"secret_key", TEP_CFG_STRING, "", offsetof(struct lake_options, secret_key),
     "S3: secret access key (default: AWS_SECRET_ACCESS_KEY; AWS_SESSION_TOKEN is sent when "
     "set)",
     NULL, TEP_CFG_UNBOUNDED},
    {"part_max_rows", TEP_CFG_INT, "1048576", offsetof(struct lake_options, part_max_rows),
     "rows per part file; a larger run (per fault label) continues in part-0001, ...", NULL, 1,
     1e12},
    {"spool_dir", TEP_CFG_STRING, "", offsetof(struct lake_options, spool_dir),
     "S3: local folder for part files before upload (default: $TMPDIR or /tmp)", NULL,
     TEP_CFG_UNBOUNDED},
    {"timeout", TEP_CFG_INT, "120", offsetof(struct lake_options, timeout),
     "S3: seconds a request may stall (no byte moving) before it fails", NULL, 1, 86400},
    {"sync", TEP_CFG_BOOL, "false", offsetof(struct lake_options, sync),
     "local: fsync part files and folders when a run is published (a failed sync fails the "
     "run: the lake is left as before)",
     NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

struct lake_ctx {
    bool s3;
    enum tep_pq_codec codec;
    long long part_max_rows;
    bool sync;
    char root[LAKE_PATH_MAX]; /* local: the lake folder; S3: "s3://bucket/prefix" for messages */
    /* S3 */
    struct s3_client client;
    char spool[TEP_CFG_STRING_MAX];
    /* the run in progress */
    bool in_run;
    unsigned seq;
    char run_esc[TEP_LAKE_ESCAPED_MAX + 1];
    char work[LAKE_PATH_MAX]; /* work area */
    char commit[33];
    struct tep_pq_writer *w; /* part being written, NULL between parts */
    size_t nparts;           /* parts opened so far (closed ones: nparts - (w != NULL)) */
    long long rows_in_part;
    char **schema; /* value column names of the run's first frame */
    size_t schema_n;
    struct strlist tmp_keys; /* S3: uploaded temporary keys */
    /* scratch for writing rows */
    struct tep_pq_column_data *coldata;
    size_t coldata_cap;
    const char **run_ids;
    size_t run_ids_cap;
};

/* ------------------------------------------------------------------ names */

int tep_lake_escape(const char *run_id, char *out, size_t outsize)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    if (!run_id || !run_id[0]) return -1;
    for (const unsigned char *p = (const unsigned char *)run_id; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
        size_t need = plain ? 1 : 3;
        if (n + need >= outsize || n + need > TEP_LAKE_ESCAPED_MAX) return -1;
        if (plain) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return (int)n;
}

const char *tep_lake_bucket_problem(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63) return "a bucket name has 3 to 63 characters";
    for (size_t i = 0; i < n; i++) {
        char ch = b[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
            return "a bucket name has only lower-case letters, digits, '.' and '-'";
    }
    bool alnum_first = (b[0] >= 'a' && b[0] <= 'z') || (b[0] >= '0' && b[0] <= '9');
    bool alnum_last = (b[n - 1] >= 'a' && b[n - 1] <= 'z') || (b[n - 1] >= '0' && b[n - 1] <= '9');
    if (!alnum_first || !alnum_last) return "a bucket name starts and ends with a letter or digit";
    if (strstr(b, "..")) return "a bucket name has no two adjacent periods";
    unsigned a, b2, c, d;
    char extra;
    if (sscanf(b, "%u.%u.%u.%u%c", &a, &b2, &c, &d, &extra) == 4)
        return "a bucket name is not formatted as an IP address";
    static const char *const bad_prefix[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    for (size_t i = 0; i < sizeof bad_prefix / sizeof *bad_prefix; i++)
        if (strncmp(b, bad_prefix[i], strlen(bad_prefix[i])) == 0)
            return "a bucket name does not start with the reserved xn--, sthree- or amzn-s3-demo-";
    static const char *const bad_suffix[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                             "--table-s3"};
    for (size_t i = 0; i < sizeof bad_suffix / sizeof *bad_suffix; i++) {
        size_t k = strlen(bad_suffix[i]);
        if (n >= k && strcmp(b + n - k, bad_suffix[i]) == 0)
            return "a bucket name does not end with a reserved suffix (-s3alias, --ol-s3, .mrap, "
                   "--x-s3, --table-s3)";
    }
    return NULL;
}

const char *tep_lake_prefix_problem(const char *p)
{
    size_t n = strlen(p);
    if (n > 512) return "a key prefix has at most 512 bytes";
    if (n && p[0] == '/') return "a key prefix does not start with '/'";
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || strchr("!-_.*'()/=", ch) != NULL;
        if (!ok || ch == '\0')
            return "a key prefix has only letters, digits and ! - _ . * ' ( ) / = (S3's safe "
                   "characters)";
    }
    const char *seg = p;
    while (n) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 && slash) return "a key prefix has no empty segment (\"//\")";
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return "a key prefix has no \".\" or \"..\" segment";
        if (!slash) break;
        seg = slash + 1;
    }
    return NULL;
}

/* ------------------------------------------------------------------ files */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

/* Delete a folder and everything in it (a missing folder is fine). */
static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void iso_time(double unix_s, char *buf, size_t n)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------------ init */

static int parse_root(struct tep_stage *stage, struct lake_ctx *c, const char *root,
                      struct tep_error *err)
{
    struct lake_options *o = stage->options;
    if (strncmp(root, "s3://", 5) != 0) {
        if (strstr(root, "://"))
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "storage.path '%s': expected a folder or s3://bucket/prefix",
                                 root);
        snprintf(c->root, sizeof c->root, "%s", root);
        size_t n = strlen(c->root);
        while (n > 1 && c->root[n - 1] == '/')
            c->root[--n] = '\0';
        return 0;
    }
    c->s3 = true;
    const char *b = root + 5, *slash = strchr(b, '/');
    size_t blen = slash ? (size_t)(slash - b) : strlen(b);
    if (blen >= sizeof c->client.bucket)
        blen = sizeof c->client.bucket - 1; /* too long: rejected below */
    memcpy(c->client.bucket, b, blen);
    c->client.bucket[blen] = '\0';
    const char *why = tep_lake_bucket_problem(c->client.bucket);
    if (why || (slash ? (size_t)(slash - b) : strlen(b)) != blen)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.path '%s': invalid S3 bucket name '%.*s': %s", root,
                             (int)(slash ? (size_t)(slash - b) : strlen(b)), b,
                             why ? why : "a bucket name has 3 to 63 characters");
    const char *prefix = slash ? slash + 1 : "";
    snprintf(c->client.prefix, sizeof c->client.prefix, "%.*s", (int)(sizeof c->client.prefix - 1),
             prefix);
    size_t n = strlen(c->client.prefix);
    while (n > 0 && c->client.prefix[n - 1] == '/')
        c->client.prefix[--n] = '\0';
    if ((why = tep_lake_prefix_problem(c->client.prefix)))
        return tep_error_set(err, TEP_ERR_CONFIG, "storage.path '%s': invalid key prefix '%s': %s",
                             root, c->client.prefix, why);
    snprintf(c->root, sizeof c->root, "s3://%s%s%s", c->client.bucket,
             c->client.prefix[0] ? "/" : "", c->client.prefix);
    /* endpoint, region, credentials */
    if (o->endpoint[0]) {
        const char *e = o->endpoint;
        const char *host = !strncmp(e, "http://", 7)    ? e + 7
                           : !strncmp(e, "https://", 8) ? e + 8
                                                        : NULL;
        size_t elen = strlen(e);
        while (elen > 0 && e[elen - 1] == '/')
            elen--;
        if (!host || !*host || memchr(host, '/', elen - (size_t)(host - e)) ||
            strpbrk(host, "?# ") || host == e + elen)
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "storage.endpoint '%s': expected http://host[:port] or "
                                 "https://host[:port] (no path)",
                                 e);
        snprintf(c->client.endpoint, sizeof c->client.endpoint, "%.*s", (int)elen, e);
    } else {
        c->client.virtual_host = true;
        if (strchr(c->client.bucket, '.'))
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "storage.path: bucket '%s' has dots, which AWS's TLS "
                                 "certificates do not cover in virtual-hosted URLs; set "
                                 "storage.endpoint (e.g. https://s3.%s.amazonaws.com) for "
                                 "path-style requests",
                                 c->client.bucket, o->region);
    }
    for (const char *p = o->region; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "storage.region '%s': expected a region name such as us-east-1",
                                 o->region);
    if (!o->region[0] || strlen(o->region) > 64)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.region: expected a region name such as "
                             "us-east-1");
    snprintf(c->client.region, sizeof c->client.region, "%s", o->region);
    snprintf(c->client.sigv4, sizeof c->client.sigv4, "aws:amz:%s:s3", o->region);
    const char *ak = o->access_key[0] ? o->access_key : getenv("AWS_ACCESS_KEY_ID");
    const char *sk = o->secret_key[0] ? o->secret_key : getenv("AWS_SECRET_ACCESS_KEY");
    const char *tok = getenv("AWS_SESSION_TOKEN");
    if (!ak || !*ak || !sk || !*sk)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage: S3 needs credentials: set storage.access_key and "
                             "storage.secret_key, or AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY");
    snprintf(c->client.access_key, sizeof c->client.access_key, "%s", ak);
    snprintf(c->client.secret_key, sizeof c->client.secret_key, "%s", sk);
    if (tok && !o->access_key[0])
        snprintf(c->client.session_token, sizeof c->client.session_token, "%s", tok);
    const char *spool = o->spool_dir[0] ? o->spool_dir : getenv("TMPDIR");
    snprintf(c->spool, sizeof c->spool, "%s", spool && *spool ? spool : "/tmp");
    c->client.timeout = o->timeout;
    /* test hook: small list pages exercise continuation tokens with few objects */
    const char *page = getenv("TEP_LAKE_S3_PAGE_KEYS");
    if (page && atoi(page) > 0)
        snprintf(c->client.page_keys, sizeof c->client.page_keys, "max-keys=%d&", atoi(page));
    return 0;
}

/* Delete work areas left by processes of this machine that no longer run. */
static void clean_stale_staging(struct lake_ctx *c)
{
    char dir[LAKE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", c->root, LAKE_STAGING_DIR);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '-' || pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char path[LAKE_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (rm_tree(path) == 0) tep_info("lake", "removed %s, left by process %ld", path, pid);
    }
    closedir(d);
}

/* Lakes written before a run became one folder have tep_processed/fault=<k>/:
 * mixed with the present layout no Hive reader could read the lake. */
static int legacy_layout(const struct lake_ctx *c, const char *found, struct tep_error *err)
{
    return tep_error_set(err, TEP_ERR_CONFIG,
                         "storage: %s has the old layout %s/fault=<k>/run=<id>/ (found %s); this "
                         "tep writes one folder per run, %s/%s=<k>/run=<id>/, so a run appears "
                         "whole or not at all: store the runs into a new lake (or delete %s "
                         "and %s there and store them again)",
                         c->root, LAKE_DATA_DIR, found, LAKE_DATA_DIR, LAKE_RUN_FAULT_KEY,
                         LAKE_DATA_DIR, LAKE_RUNS_DIR);
}

static int check_local_layout(const struct lake_ctx *c, struct tep_error *err)
{
    char dir[LAKE_PATH_MAX], found[LAKE_PATH_MAX] = "";
    snprintf(dir, sizeof dir, "%s/%s", c->root, LAKE_DATA_DIR);
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; !found[0] && (e = readdir(d));)
        if (strncmp(e->d_name, "fault=", 6) == 0)
            snprintf(found, sizeof found, "%s/%s", dir, e->d_name);
    closedir(d);
    return found[0] ? legacy_layout(c, found, err) : 0;
}

static int lake_init(struct tep_stage *stage, struct tep_error *err)
{
    struct lake_options *o = stage->options;
    struct lake_ctx *c = calloc(1, sizeof *c);
    if (!c) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    stage->ctx = c;
    if (o->path[0] && o->connection_string[0] && strcmp(o->path, o->connection_string) != 0)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage: path '%s' and connection_string '%s' disagree; give one",
                             o->path, o->connection_string);
    const char *root = o->path[0]                ? o->path
                       : o->connection_string[0] ? o->connection_string
                                                 : "data/lake";
    c->codec = o->codec == CODEC_ZSTD     ? TEP_PQ_ZSTD
               : o->codec == CODEC_SNAPPY ? TEP_PQ_SNAPPY
                                          : TEP_PQ_UNCOMPRESSED;
    c->part_max_rows = o->part_max_rows;
    c->sync = o->sync;
    if (parse_root(stage, c, root, err) != 0) return -1;
    if (!c->s3) {
        char dir[LAKE_PATH_MAX];
        if (tep_make_dirs(c->root, err)) return -1;
        snprintf(dir, sizeof dir, "%s/%s", c->root, LAKE_STAGING_DIR);
        if (tep_make_dirs(dir, err)) return -1;
        clean_stale_staging(c);
        return check_local_layout(c, err);
    }
    if (s3_client_open(&c->client, err) != 0) return -1;
    /* one cheap request now: wrong credentials, a missing bucket or an unreachable
     * server are reported before any run is processed; it also looks for the old
     * layout */
    struct s3_body body = {0};
    char query[1400], legacy[1400], found[1400] = "";
    s3_key(&c->client, legacy, sizeof legacy, "%s/fault=", LAKE_DATA_DIR);
    size_t n = (size_t)snprintf(query, sizeof query, "list-type=2&max-keys=1&prefix=");
    s3_uri_encode(legacy, false, query, sizeof query, &n);
    struct s3_req q = {.method = "GET", .query = query};
    int rc = s3_call(&c->client, &q, &body, err);
    if (rc == 0 && s3_xml_text(body.data, "Key", found, sizeof found, NULL))
        rc = legacy_layout(c, found, err);
    else if (rc != 0)
        tep_error_prefix(err, "storage: cannot use %s", c->root);
    free(body.data);
    return rc;
}

/* ------------------------------------------------------------------ runs */

static void reset_run(struct lake_ctx *c)
{
    tep_pq_writer_abort(c->w);
    c->w = NULL;
    c->nparts = 0;
    c->rows_in_part = 0;
    for (size_t i = 0; i < c->schema_n; i++)
        free(c->schema[i]);
    free(c->schema);
    c->schema = NULL;
    c->schema_n = 0;
    strlist_free(&c->tmp_keys);
    c->in_run = false;
}

static int lake_begin_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err)
{
    struct lake_ctx *c = stage->ctx;
    reset_run(c);
    if (tep_lake_escape(meta->run_id, c->run_esc, sizeof c->run_esc) < 0)
        return tep_error_set(err, TEP_ERR_STORE,
                             "run id '%s' cannot name a partition folder: expected 1 to %d bytes "
                             "once escaped (bytes other than A-Z a-z 0-9 . _ - take 3)",
                             meta->run_id, TEP_LAKE_ESCAPED_MAX);
    c->seq++;
    if (c->s3) {
        uint8_t rnd[16];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
            for (size_t i = 0; i < sizeof rnd; i++)
                rnd[i] = (uint8_t)(rand() ^ (int)c->seq);
        }
        for (size_t i = 0; i < sizeof rnd; i++)
            snprintf(c->commit + 2 * i, 3, "%02x", rnd[i]);
        snprintf(c->work, sizeof c->work, "%s/tep-lake-%ld-%u-XXXXXX", c->spool, (long)getpid(),
                 c->seq);
        if (!mkdtemp(c->work))
            return tep_error_set_errno(err, TEP_ERR_IO,
                                       "cannot create a spool folder (storage.spool_dir)", c->work);
    } else {
        snprintf(c->work, sizeof c->work, "%s/%s/%ld-%u-%s", c->root, LAKE_STAGING_DIR,
                 (long)getpid(), c->seq, c->run_esc);
        rm_tree(c->work);
    }
    char data[LAKE_PATH_MAX];
    snprintf(data, sizeof data, "%s/%s", c->work, LAKE_WORK_DATA);
    if (tep_make_dirs(data, err)) return -1;
    c->in_run = true;
    return 0;
}

static void part_path(const struct lake_ctx *c, size_t k, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/part-%04zu.parquet", c->work, LAKE_WORK_DATA, k);
}

static int open_part(struct lake_ctx *c, const struct tep_frame *f, const struct tep_run_meta *meta,
                     struct tep_error *err)
{
    char path[LAKE_PATH_MAX];
    part_path(c, c->nparts, path, sizeof path);
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = c->codec;
    opt.sync = c->sync;
    opt.created_by = "tep lake store";
    c->w = tep_pq_writer_open_frame(path, f, &opt, err);
    if (!c->w) return -1;
    if (tep_pq_writer_add_metadata(c->w, "tep.run_id", meta->run_id, err) ||
        tep_pq_writer_add_metadata(c->w, "tep.config_sha256", meta->config_sha256, err))
        return -1;
    c->nparts++;
    c->rows_in_part = 0;
    return 0;
}

static int close_part(struct lake_ctx *c, struct tep_error *err)
{
    struct tep_pq_writer *w = c->w;
    c->w = NULL;
    return w ? tep_pq_writer_close(w, err) : 0;
}

/* Remember the run's column names (first frame) or check a frame has them. */
static int check_schema(struct lake_ctx *c, const struct tep_frame *f, struct tep_error *err)
{
    if (c->schema) {
        bool same = c->schema_n == f->ncols;
        for (size_t i = 0; same && i < f->ncols; i++)
            same = !strcmp(c->schema[i], f->cols[i].name);
        if (!same)
            return tep_error_set(err, TEP_ERR_STORE,
                                 "a chunk of run %s has other columns (%zu) than its first chunk "
                                 "(%zu): expected the same columns throughout a run",
                                 f->run_id, f->ncols, c->schema_n);
        return 0;
    }
    c->schema = calloc(f->ncols ? f->ncols : 1, sizeof *c->schema);
    if (!c->schema) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < f->ncols; i++) {
        if (!(c->schema[i] = strdup(f->cols[i].name)))
            return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        c->schema_n = i + 1;
        if (!strcmp(f->cols[i].name, "run") || !strcmp(f->cols[i].name, LAKE_RUN_FAULT_KEY) ||
            !strcmp(f->cols[i].name, TEP_PQ_COL_RUN_ID) ||
            !strcmp(f->cols[i].name, TEP_PQ_COL_FAULT))
            return tep_error_set(err, TEP_ERR_STORE,
                                 "value column '%s' would clash with a key or partition column",
                                 f->cols[i].name);
    }
    return 0;
}

static int grow(void **p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap) return 0;
    void *q = realloc(*p, want * elem);
    if (!q) return -1;
    *p = q;
    *cap = want;
    return 0;
}

/* Write the frame's rows to the run's part files (a new part at part_max_rows). */
static int write_rows(struct lake_ctx *c, const struct tep_frame *f,
                      const struct tep_run_meta *meta, struct tep_error *err)
{
    size_t n = f->nrows, ncols = 4 + f->ncols;
    if (grow((void **)&c->coldata, &c->coldata_cap, ncols, sizeof *c->coldata) ||
        grow((void **)&c->run_ids, &c->run_ids_cap, n ? n : 1, sizeof *c->run_ids))
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        c->run_ids[i] = meta->run_id;
    size_t done = 0;
    while (done < n) {
        if (c->w && c->rows_in_part >= c->part_max_rows && close_part(c, err)) return -1;
        if (!c->w && open_part(c, f, meta, err)) return -1;
        size_t room = (size_t)(c->part_max_rows - c->rows_in_part);
        size_t k = n - done < room ? n - done : room;
        memset(c->coldata, 0, ncols * sizeof *c->coldata);
        c->coldata[0].values = c->run_ids;
        c->coldata[1].values = f->sample + done;
        c->coldata[2].values = f->time_h + done;
        c->coldata[3].values = f->fault + done;
        for (size_t j = 0; j < f->ncols; j++) {
            c->coldata[4 + j].values = f->cols[j].data + done;
            c->coldata[4 + j].nan_is_null = true;
        }
        if (tep_pq_write_row_group(c->w, c->coldata, k, err)) return -1;
        c->rows_in_part += (long long)k;
        done += k;
    }
    return 0;
}

static long lake_process(struct tep_stage *stage, struct tep_frame *f, struct tep_run_meta *meta,
                         struct tep_error *err)
{
    struct lake_ctx *c = stage->ctx;
    if (!c->in_run) return tep_error_set(err, TEP_ERR_INTERNAL, "lake: process outside a run");
    if (f->nrows == 0) return 0;
    if (check_schema(c, f, err) || write_rows(c, f, meta, err)) return -1;
    meta->rows_stored += (long long)f->nrows;
    return (long)f->nrows;
}

/* "<data dir>/run_fault=<k>/run=<run>" of the run (relative; k = the run's fault). */
static void run_folder(const struct lake_ctx *c, int fault, char *out, size_t n)
{
    snprintf(out, n, "%s/%s=%d/run=%s", LAKE_DATA_DIR, LAKE_RUN_FAULT_KEY, fault, c->run_esc);
}

/* JSON array of the run's part paths relative to the root. */
static char *parts_json(const struct lake_ctx *c, int fault)
{
    char folder[LAKE_PATH_MAX];
    run_folder(c, fault, folder, sizeof folder);
    size_t cap = 16 + c->nparts * (strlen(folder) + 24), n;
    char *s = malloc(cap);
    if (!s) return NULL;
    n = (size_t)snprintf(s, cap, "[");
    for (size_t k = 0; k < c->nparts; k++)
        n += (size_t)snprintf(s + n, cap - n, "%s\"%s/part-%04zu.parquet\"", k ? "," : "", folder,
                              k);
    snprintf(s + n, cap - n, "]");
    return s;
}

/* Write the run's runs-table row to `path` (one row group of one row) with
 * `status` and the JSON array `parts`. */
static int write_runs_file(const struct lake_ctx *c, const char *path,
                           const struct tep_run_meta *meta, const char *status, const char *parts,
                           struct tep_error *err)
{
    static const struct tep_pq_column_def defs[] = {
        {"run_id", TEP_PQ_STRING, false},         {"source_kind", TEP_PQ_STRING, true},
        {"source", TEP_PQ_STRING, true},          {"size_bytes", TEP_PQ_INT64, true},
        {"sha256", TEP_PQ_STRING, true},          {"rows_read", TEP_PQ_INT64, false},
        {"rows_stored", TEP_PQ_INT64, false},     {"fault", TEP_PQ_INT32, false},
        {"fault_onset_h", TEP_PQ_DOUBLE, true},   {"seed", TEP_PQ_DOUBLE, true},
        {"hours", TEP_PQ_DOUBLE, true},           {"shutdown_time_h", TEP_PQ_DOUBLE, true},
        {"shutdown_reason", TEP_PQ_STRING, true}, {"config_sha256", TEP_PQ_STRING, true},
        {"started_at", TEP_PQ_STRING, true},      {"finished_at", TEP_PQ_STRING, true},
        {"status", TEP_PQ_STRING, false},         {"quality_json", TEP_PQ_STRING, true},
        {"parts", TEP_PQ_STRING, false},
    };
    enum { NDEFS = sizeof defs / sizeof *defs };
    char started[32], finished[32];
    iso_time(meta->started_unix, started, sizeof started);
    iso_time(meta->finished_unix, finished, sizeof finished);
    char *quality = tep_store_quality_json(meta);
    bool shutdown = meta->shutdown_step > 0;
    const char *s_run = meta->run_id, *s_kind = meta->source_kind[0] ? meta->source_kind : NULL,
               *s_source = meta->source[0] ? meta->source : NULL,
               *s_sha = meta->sha256[0] ? meta->sha256 : NULL,
               *s_reason = shutdown ? meta->shutdown_reason : NULL,
               *s_config = meta->config_sha256[0] ? meta->config_sha256 : NULL,
               *s_started = started, *s_finished = finished, *s_status = status,
               *s_quality = quality, *s_parts = parts;
    int64_t size = meta->size_bytes, rows_read = meta->rows_read, rows_stored = meta->rows_stored;
    uint8_t size_valid = meta->size_bytes >= 0;
    int32_t fault = meta->fault;
    double onset = meta->fault_onset_h, seed = meta->seed, hours = meta->hours,
           shutdown_h = shutdown ? meta->shutdown_time_h : NAN;
    struct tep_pq_column_data data[NDEFS] = {
        {&s_run, NULL, false},       {&s_kind, NULL, false},   {&s_source, NULL, false},
        {&size, &size_valid, false}, {&s_sha, NULL, false},    {&rows_read, NULL, false},
        {&rows_stored, NULL, false}, {&fault, NULL, false},    {&onset, NULL, true},
        {&seed, NULL, true},         {&hours, NULL, true},     {&shutdown_h, NULL, true},
        {&s_reason, NULL, false},    {&s_config, NULL, false}, {&s_started, NULL, false},
        {&s_finished, NULL, false},  {&s_status, NULL, false}, {&s_quality, NULL, false},
        {&s_parts, NULL, false},
    };
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = c->codec;
    opt.sync = c->sync;
    opt.created_by = "tep lake store";
    struct tep_pq_writer *w = tep_pq_writer_open(path, defs, NDEFS, &opt, err);
    int rc = -1;
    if (w && tep_pq_write_row_group(w, data, 1, err) == 0) {
        rc = tep_pq_writer_close(w, err);
        w = NULL;
    }
    tep_pq_writer_abort(w);
    free(quality);
    return rc;
}

/* ---- publishing: local folder ---- */

/* One rename of a publish, kept so that a failure can undo it. */
struct move {
    char from[LAKE_PATH_MAX], to[LAKE_PATH_MAX];
    bool exchanged; /* renameat2(RENAME_EXCHANGE): both existed and were swapped */
};

struct moves {
    struct move *v;
    size_t n, cap;
};

/* Rename `from` to `to` (exchange: swap the two) and remember it; -1 with errno
 * set when the rename fails. */
static int move_path(struct moves *m, const char *from, const char *to, bool exchange)
{
    if (m->n == m->cap) {
        errno = ENOMEM;
        return -1;
    }
    int rc = exchange ? renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) : rename(from, to);
    if (rc != 0) return -1;
    struct move *mv = &m->v[m->n++];
    snprintf(mv->from, sizeof mv->from, "%s", from);
    snprintf(mv->to, sizeof mv->to, "%s", to);
    mv->exchanged = exchange;
    return 0;
}

static void undo_moves(struct moves *m)
{
    while (m->n > 0) {
        const struct move *mv = &m->v[--m->n];
        if (mv->exchanged)
            renameat2(AT_FDCWD, mv->from, AT_FDCWD, mv->to, RENAME_EXCHANGE);
        else
            rename(mv->to, mv->from);
    }
}

/* Published folders of the run: <data>/run_fault=<k>/run=<run> for every k. */
static int find_published(const struct lake_ctx *c, const char *data_dir, struct strlist *out,
                          struct tep_error *err)
{
    DIR *d = opendir(data_dir);
    if (!d) return tep_error_set_errno(err, TEP_ERR_IO, "cannot list", data_dir);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        int fault;
        char extra, path[LAKE_PATH_MAX];
        if (sscanf(e->d_name, LAKE_RUN_FAULT_KEY "=%d%c", &fault, &extra) != 1) continue;
        snprintf(path, sizeof path, "%s/%s/run=%s", data_dir, e->d_name, c->run_esc);
        if (exists(path) && strlist_add(out, path))
            rc = tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    closedir(d);
    return rc;
}

/* Publish the work area's run folder and runs.parquet (order and guarantees atop
 * the file). */
static int publish_local(struct lake_ctx *c, const struct tep_run_meta *meta, struct tep_error *err)
{
    struct strlist published = {0};
    struct moves moves = {0};
    char data_dir[LAKE_PATH_MAX], rel[LAKE_PATH_MAX], dest[LAKE_PATH_MAX],
        dest_parent[LAKE_PATH_MAX], from[LAKE_PATH_MAX], runs_dir[LAKE_PATH_MAX],
        runs_to[LAKE_PATH_MAX], runs_from[LAKE_PATH_MAX], aside[LAKE_PATH_MAX];
    const char *what = NULL, *where = NULL;
    char *parts = parts_json(c, meta->fault);
    int rc = -1, lock = -1;
    if (!parts) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* one publish at a time per lake: the steps of two writers never interleave (the
     * kernel drops the lock of a process that dies) */
    char staging[LAKE_PATH_MAX];
    snprintf(staging, sizeof staging, "%s/%s", c->root, LAKE_STAGING_DIR);
    lock = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot lock the lake for publishing", staging);
        goto done;
    }
    snprintf(runs_from, sizeof runs_from, "%s/%s", c->work, LAKE_RUNS_FILE);
    if (write_runs_file(c, runs_from, meta, "complete", parts, err)) goto done;
    snprintf(data_dir, sizeof data_dir, "%s/%s", c->root, LAKE_DATA_DIR);
    run_folder(c, meta->fault, rel, sizeof rel);
    snprintf(dest, sizeof dest, "%s/%s", c->root, rel);
    snprintf(dest_parent, sizeof dest_parent, "%s/%s/%s=%d", c->root, LAKE_DATA_DIR,
             LAKE_RUN_FAULT_KEY, meta->fault);
    snprintf(from, sizeof from, "%s/%s", c->work, LAKE_WORK_DATA);
    snprintf(runs_dir, sizeof runs_dir, "%s/%s/run=%s", c->root, LAKE_RUNS_DIR, c->run_esc);
    snprintf(runs_to, sizeof runs_to, "%s/%s", runs_dir, LAKE_RUNS_FILE);
    if (tep_make_dirs(dest_parent, err) || tep_make_dirs(runs_dir, err) ||
        find_published(c, data_dir, &published, err))
        goto done;
    moves.cap = published.n + 4;
    if (!(moves.v = calloc(moves.cap, sizeof *moves.v))) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (c->sync && (tep_sync_dir(from, err) || tep_sync_dir(c->work, err))) goto done;
    /* 1. withdraw the published runs row: from here on no runs row names the run */
    snprintf(aside, sizeof aside, "%s/old-%s", c->work, LAKE_RUNS_FILE);
    if (exists(runs_to) && move_path(&moves, runs_to, aside, false)) {
        what = "cannot withdraw the run's published runs.parquet", where = runs_to;
        goto undo;
    }
    if (c->sync && tep_sync_dir(runs_dir, err)) goto unpublish;
    /* 2. a published version under another run_fault goes first: never two versions */
    for (size_t i = 0; i < published.n; i++) {
        if (strcmp(published.v[i], dest) == 0) continue;
        snprintf(aside, sizeof aside, "%s/old-%zu", c->work, i);
        if (move_path(&moves, published.v[i], aside, false)) {
            what = "cannot move the run's previous version away", where = published.v[i];
            goto undo;
        }
        if (c->sync) {
            char *slash = strrchr(published.v[i], '/');
            *slash = '\0';
            if (tep_sync_dir(published.v[i], err)) goto unpublish;
        }
    }
    /* 3. the run's folder: one rename (or one exchange with the published one) */
    if (!exists(dest)) {
        if (move_path(&moves, from, dest, false)) {
            what = "cannot publish the run's folder", where = dest;
            goto undo;
        }
    } else if (move_path(&moves, from, dest, true)) {
        if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
            what = "cannot replace the run's folder", where = dest;
            goto undo;
        }
        snprintf(aside, sizeof aside, "%s/old-%s", c->work, LAKE_WORK_DATA);
        if (move_path(&moves, dest, aside, false) || move_path(&moves, from, dest, false)) {
            what = "cannot replace the run's folder", where = dest;
            goto undo;
        }
    }
    if (c->sync && tep_sync_dir(dest_parent, err)) goto unpublish;
    /* 4. the runs row of the new version, last */
    if (move_path(&moves, runs_from, runs_to, false)) {
        what = "cannot publish the run's runs.parquet", where = runs_to;
        goto undo;
    }
    if (c->sync && tep_sync_dir(runs_dir, err)) goto unpublish;
    tep_info("lake", "run %s: published %s/%s", meta->run_id, c->root, rel);
    rc = 0;
    goto done;
undo:
    tep_error_set_errno(err, TEP_ERR_IO, what, where);
unpublish: /* err is set */
    undo_moves(&moves);
done:
    if (lock >= 0) close(lock);
    strlist_free(&published);
    free(moves.v);
    free(parts);
    return rc;
}

/* ---- publishing: S3 ---- */

static int add_label(int **labels, size_t *n, int fault)
{
    for (size_t i = 0; i < *n; i++)
        if ((*labels)[i] == fault) return 0;
    int *grown = realloc(*labels, (*n + 1) * sizeof *grown);
    if (!grown) return -1;
    grown[(*n)++] = fault;
    *labels = grown;
    return 0;
}

/* run_fault values named in the run's published runs.parquet (none when the run
 * was never stored): its `parts`, complete or publishing, name every key the run
 * may have. */
static int previous_labels(struct lake_ctx *c, int **labels, size_t *n, struct tep_error *err)
{
    char key[1400], path[LAKE_PATH_MAX];
    s3_key(&c->client, key, sizeof key, "%s/run=%s/%s", LAKE_RUNS_DIR, c->run_esc, LAKE_RUNS_FILE);
    struct s3_body body = {0};
    struct s3_req q = {.method = "GET", .key = key};
    int rc = -1;
    struct tep_pq_reader *r = NULL;
    char *parts[1] = {NULL};
    if (s3_call(&c->client, &q, &body, err) != 0) {
        rc = body.status == 404 ? 0 : -1; /* NoSuchKey: a new run */
        goto done;
    }
    snprintf(path, sizeof path, "%s/previous-%s", c->work, LAKE_RUNS_FILE);
    FILE *f = fopen(path, "wb");
    bool written = f && fwrite(body.data ? body.data : "", 1, body.len, f) == body.len;
    if (f && fclose(f) != 0) written = false;
    if (!written) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot write", path);
        goto done;
    }
    if (!(r = tep_pq_reader_open(path, err))) goto unreadable;
    int col = tep_pq_reader_find_column(r, "parts");
    if (col < 0 || tep_pq_reader_num_row_groups(r) < 1 || tep_pq_reader_row_group_rows(r, 0) != 1) {
        tep_error_set(err, TEP_ERR_STORE, "expected one row with a parts column");
        goto unreadable;
    }
    if (tep_pq_read_string(r, 0, (size_t)col, parts, err) != 0) goto unreadable;
    static const char key_at[] = "/" LAKE_RUN_FAULT_KEY "=";
    for (const char *p = parts[0] ? parts[0] : ""; (p = strstr(p, key_at)); p++) {
        int fault;
        if (sscanf(p + strlen(key_at), "%d/", &fault) == 1 && add_label(labels, n, fault)) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    rc = 0;
    goto done;
unreadable:
    tep_error_prefix(err, "the published runs.parquet of run %s (s3://%s/%s) is not readable",
                     c->run_esc, c->client.bucket, key);
done:
    tep_pq_free_strings(parts, 1);
    tep_pq_reader_close(r);
    free(body.data);
    return rc;
}

/* JSON array of the keys of `a` then those of `b` not in `a`, each without the
 * lake's prefix; NULL when out of memory. */
static char *keys_json(const struct lake_ctx *c, const struct strlist *a, const struct strlist *b)
{
    size_t skip = c->client.prefix[0] ? strlen(c->client.prefix) + 1 : 0, cap = 3, n = 0;
    for (size_t i = 0; i < a->n; i++)
        cap += 2 * strlen(a->v[i]) + 3;
    for (size_t i = 0; i < b->n; i++)
        cap += 2 * strlen(b->v[i]) + 3;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[n++] = '[';
    for (size_t pass = 0; pass < 2; pass++) {
        const struct strlist *l = pass ? b : a;
        for (size_t i = 0; i < l->n; i++) {
            if (pass && strlist_has(a, l->v[i])) continue;
            if (n > 1) s[n++] = ',';
            s[n++] = '"';
            for (const char *p = l->v[i] + (strlen(l->v[i]) >= skip ? skip : 0); *p; p++) {
                if (*p == '"' || *p == '\\') s[n++] = '\\';
                s[n++] = *p;
            }
            s[n++] = '"';
        }
    }
    s[n++] = ']';
    s[n] = '\0';
    return s;
}

/* Write the runs row (`status`, `parts`) to the work area and PUT it. */
static int put_runs_row(struct lake_ctx *c, const struct tep_run_meta *meta, const char *status,
                        const char *parts, struct tep_error *err)
{
    char local[LAKE_PATH_MAX], key[1400];
    snprintf(local, sizeof local, "%s/%s-%s", c->work, status, LAKE_RUNS_FILE);
    s3_key(&c->client, key, sizeof key, "%s/run=%s/%s", LAKE_RUNS_DIR, c->run_esc, LAKE_RUNS_FILE);
    if (write_runs_file(c, local, meta, status, parts, err)) return -1;
    return s3_simple(&c->client, "PUT", key, local, NULL, err);
}

static int publish_s3(struct lake_ctx *c, const struct tep_run_meta *meta, struct tep_error *err)
{
    struct strlist finals = {0}, old = {0};
    int *labels = NULL;
    size_t nlabels = 0;
    char local[LAKE_PATH_MAX], rel[LAKE_PATH_MAX], key[1400], tmp[1400], prefix[1400];
    char *json = NULL;
    bool changed = false; /* a final key was deleted or replaced */
    int rc = -1;
    run_folder(c, meta->fault, rel, sizeof rel);
    /* 1. upload every part under the temporary prefix */
    for (size_t k = 0; k < c->nparts; k++) {
        part_path(c, k, local, sizeof local);
        s3_key(&c->client, tmp, sizeof tmp, "%s/%s/%s/part-%04zu.parquet", LAKE_TMP_PREFIX,
               c->commit, rel, k);
        s3_key(&c->client, key, sizeof key, "%s/part-%04zu.parquet", rel, k);
        if (s3_simple(&c->client, "PUT", tmp, local, NULL, err)) goto done;
        if (strlist_add(&c->tmp_keys, tmp) || strlist_add(&finals, key)) goto nomem;
    }
    /* 2. the run's published keys: under the new run_fault and those its published
     * runs row names; a listing per label keeps this independent of the lake's size
     * (and of delimiter listings, which some S3-compatible servers get wrong for
     * nested prefixes) */
    if (add_label(&labels, &nlabels, meta->fault)) goto nomem;
    if (previous_labels(c, &labels, &nlabels, err)) goto done;
    for (size_t i = 0; i < nlabels; i++) {
        s3_key(&c->client, prefix, sizeof prefix, "%s/%s=%d/run=%s/", LAKE_DATA_DIR,
               LAKE_RUN_FAULT_KEY, labels[i], c->run_esc);
        if (s3_list(&c->client, prefix, &old, err)) goto done;
    }
    /* 3. the runs row says `publishing` and names every key the run may have */
    if (!(json = keys_json(c, &old, &finals))) goto nomem;
    if (put_runs_row(c, meta, "publishing", json, err)) goto done;
    /* 4. old keys the copies do not overwrite go first: a changed run_fault never
     * shows two versions */
    for (size_t i = 0; i < old.n; i++) {
        if (strlist_has(&finals, old.v[i])) continue;
        if (s3_simple(&c->client, "DELETE", old.v[i], NULL, NULL, err)) goto unpublish;
        changed = true;
    }
    /* 5. server-side copies to the final keys (each replaces its object atomically) */
    for (size_t i = 0; i < finals.n; i++) {
        if (s3_simple(&c->client, "PUT", finals.v[i], NULL, c->tmp_keys.v[i], err)) goto unpublish;
        changed = true;
    }
    /* 6. the runs row of the complete run, last */
    free(json);
    if (!(json = parts_json(c, meta->fault))) goto nomem;
    if (put_runs_row(c, meta, "complete", json, err)) goto unpublish;
    /* 7. temporary keys: a failure only leaves garbage under _tmp/ */
    for (size_t i = 0; i < c->tmp_keys.n; i++) {
        struct tep_error ignored;
        if (s3_simple(&c->client, "DELETE", c->tmp_keys.v[i], NULL, NULL, &ignored))
            tep_warn("lake", "cannot delete the temporary key %s: %s", c->tmp_keys.v[i],
                     ignored.message);
    }
    strlist_free(&c->tmp_keys);
    tep_info("lake", "run %s: %zu part(s) stored under %s/%s", meta->run_id, finals.n, c->root,
             rel);
    rc = 0;
    goto done;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    goto done;
unpublish:
    if (changed) {
        tep_error_prefix(err,
                         "run %s is partly replaced in %s (its runs row says publishing until "
                         "the run is stored again)",
                         meta->run_id, c->root);
        goto done;
    }
    /* nothing changed yet: the previous runs row back (or none, for a new run) */
    snprintf(local, sizeof local, "%s/previous-%s", c->work, LAKE_RUNS_FILE);
    s3_key(&c->client, key, sizeof key, "%s/run=%s/%s", LAKE_RUNS_DIR, c->run_esc, LAKE_RUNS_FILE);
    struct tep_error ignored;
    if (exists(local) ? s3_simple(&c->client, "PUT", key, local, NULL, &ignored)
                      : s3_simple(&c->client, "DELETE", key, NULL, NULL, &ignored))
        tep_warn("lake", "run %s: cannot restore its runs row %s: %s", meta->run_id, key,
                 ignored.message);
done:
    strlist_free(&finals);
    strlist_free(&old);
    free(labels);
    free(json);
    return rc;
}

static void discard_work(struct lake_ctx *c)
{
    if (c->work[0] && rm_tree(c->work) != 0)
        tep_warn("lake", "cannot remove the work folder %s", c->work);
    c->work[0] = '\0';
}

static int lake_end_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_frame *tail,
                        struct tep_error *err)
{
    (void)tail;
    struct lake_ctx *c = stage->ctx;
    if (!c->in_run) return tep_error_set(err, TEP_ERR_INTERNAL, "lake: end_run outside a run");
    if (close_part(c, err)) return -1;
    if ((c->s3 ? publish_s3(c, meta, err) : publish_local(c, meta, err)) != 0) return -1;
    discard_work(c);
    reset_run(c);
    return 0;
}

static void lake_abort_run(struct tep_stage *stage, struct tep_run_meta *meta)
{
    struct lake_ctx *c = stage->ctx;
    if (!c || !c->in_run) return;
    tep_pq_writer_abort(c->w);
    c->w = NULL;
    for (size_t i = 0; i < c->tmp_keys.n; i++) {
        struct tep_error ignored;
        if (s3_simple(&c->client, "DELETE", c->tmp_keys.v[i], NULL, NULL, &ignored))
            tep_warn("lake", "cannot delete the temporary key %s: %s", c->tmp_keys.v[i],
                     ignored.message);
    }
    discard_work(c);
    reset_run(c);
    tep_warn("lake", "run %s discarded; %s is as before the run", meta->run_id, c->root);
}

static int lake_finish(struct tep_stage *stage, struct tep_error *err)
{
    (void)stage;
    (void)err;
    return 0;
}

static void lake_destroy(struct tep_stage *stage)
{
    struct lake_ctx *c = stage->ctx;
    if (!c) return;
    if (c->in_run) {
        tep_pq_writer_abort(c->w);
        c->w = NULL;
        discard_work(c);
    }
    reset_run(c);
    free(c->coldata);
    free(c->run_ids);
    s3_client_close(&c->client);
    free(c);
    stage->ctx = NULL;
}

const struct tep_stage_plugin tep_store_parquet_plugin = {
    .name = "parquet",
    .description =
        "Parquet data lake in a folder or on S3 (Hive-partitioned by the run's fault and run)",
    .kind = TEP_STAGE_OUTPUT,
    .config_keys = lake_keys,
    .options_size = sizeof(struct lake_options),
    .init = lake_init,
    .begin_run = lake_begin_run,
    .process = lake_process,
    .end_run = lake_end_run,
    .abort_run = lake_abort_run,
    .finish = lake_finish,
    .destroy = lake_destroy,
};
