/* pipeline.c - the batch pipeline runner (see pipeline.h). It knows the stages
 * only through core/stage.h; this file maps config.yaml's sections onto them. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/atomic_file.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text.h"
#include "io/sources.h"
#include "prep/prep.h"
#include "prep/prep_stage.h"
#include "store/store.h"
#include "store/store_lake.h"
#include "store/store_servers.h"

enum { SOURCE_AUTO, SOURCE_FILES, SOURCE_SIMULATOR };
/* storage.type's choices; the last three are the design's other words for two stores */
enum {
    STORE_SQLITE,
    STORE_POSTGRESQL,
    STORE_INFLUXDB,
    STORE_PARQUET,
    STORE_S3,
    STORE_MINIO,
    STORE_TIMESCALEDB
};

struct data_options {
    int source;
    char output_dir[TEP_CFG_STRING_MAX];
    long chunk_rows;
};

static const struct tep_cfg_key data_keys[] = {
    {"source", TEP_CFG_ENUM, "auto", offsetof(struct data_options, source),
     "where the data come from: files in input_dir, the simulator (simulator: section), or auto "
     "(files when input_dir is given, else the simulator)",
     "auto|files|simulator", TEP_CFG_UNBOUNDED},
    {"output_dir", TEP_CFG_STRING, "data/processed", offsetof(struct data_options, output_dir),
     "folder for models and reports (created when missing)", NULL, TEP_CFG_UNBOUNDED},
    {"chunk_rows", TEP_CFG_INT, "8192", offsetof(struct data_options, chunk_rows),
     "rows per chunk moved through the stages (bounds memory)", NULL, 16, 10000000},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

struct storage_options {
    int type;
};

static const struct tep_cfg_key storage_keys[] = {
    {"type", TEP_CFG_ENUM, "sqlite", offsetof(struct storage_options, type),
     "where processed data are stored: sqlite (embedded), postgresql, influxdb (1.x), a parquet "
     "data lake (a folder or s3://bucket/prefix); s3 and minio = the parquet lake on the S3 URL "
     "of connection_string (or path), which must be s3://... (MinIO: set endpoint); "
     "timescaledb = postgresql with timescaledb: on",
     "sqlite|postgresql|influxdb|parquet|s3|minio|timescaledb", TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

struct logging_options {
    int level;
    int format;
};

static const struct tep_cfg_key logging_keys[] = {
    {"level", TEP_CFG_ENUM, "info", offsetof(struct logging_options, level),
     "log level (the command line's --log-level wins)", "debug|info|warn|error|off",
     TEP_CFG_UNBOUNDED},
    {"format", TEP_CFG_ENUM, "plain", offsetof(struct logging_options, format),
     "log lines as plain text or JSON objects", "plain|json", TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

static const struct tep_cfg_key analysis_keys[] = {
    {"enabled", TEP_CFG_BOOL, "true", offsetof(struct tep_pipeline_analysis, enabled),
     "run fault detection on the stored runs after the pipeline (tep report)", NULL,
     TEP_CFG_UNBOUNDED},
    {"train", TEP_CFG_STRING, "", offsetof(struct tep_pipeline_analysis, train),
     "run id of the training run (default: the first normal run, fault 0)", NULL,
     TEP_CFG_UNBOUNDED},
    {"method", TEP_CFG_ENUM, "pca", offsetof(struct tep_pipeline_analysis, method),
     "principal component analysis, or dynamic PCA with lagged variables", "pca|dpca",
     TEP_CFG_UNBOUNDED},
    {"components", TEP_CFG_INT, "9", offsetof(struct tep_pipeline_analysis, components),
     "principal components kept", NULL, 1, 10000},
    {"lags", TEP_CFG_INT, "2", offsetof(struct tep_pipeline_analysis, lags),
     "lags of dynamic PCA", NULL, 0, 100},
    {"alpha", TEP_CFG_DOUBLE, "0.01", offsetof(struct tep_pipeline_analysis, alpha),
     "1 - confidence of the T2 and Q limits", NULL, 1e-9, 0.5},
    {"consecutive", TEP_CFG_INT, "1", offsetof(struct tep_pipeline_analysis, consecutive),
     "alarms in a row that make a detection", NULL, 1, 1000},
    {"report", TEP_CFG_STRING, "", offsetof(struct tep_pipeline_analysis, report),
     "HTML report (default <data.output_dir>/report.html)", NULL, TEP_CFG_UNBOUNDED},
    {"json", TEP_CFG_STRING, "", offsetof(struct tep_pipeline_analysis, json),
     "results as JSON (default <data.output_dir>/analysis.json)", NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

static const char *const sections[] = {"data",    "simulator", "preprocessing", "storage",
                                       "logging", "analysis",  NULL};

/* Allocate a stage's options and fill them from `section` with its key table. On
 * failure the stage is left empty (nothing to free). */
static int stage_setup(struct tep_pipeline *p, struct tep_stage *st,
                       const struct tep_stage_plugin *plugin, yaml_node_t *section,
                       const char *where, const char *const *ignore, struct tep_error *err)
{
    st->plugin = plugin;
    st->env = &p->env;
    snprintf(st->name, sizeof st->name, "%s", where);
    st->options = calloc(1, plugin->options_size ? plugin->options_size : 1);
    if (!st->options) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (plugin->config_keys &&
        tep_config_apply(&p->cfg, section, plugin->config_keys, st->options, where, ignore, err) != 0)
        goto fail;
    return 0;
fail:
    free(st->options);
    memset(st, 0, sizeof *st);
    return -1;
}

static void stage_destroy(struct tep_stage *st)
{
    if (st->plugin && st->plugin->destroy) st->plugin->destroy(st);
    free(st->options);
    memset(st, 0, sizeof *st);
}

/* Keys of `data:` that belong to the files source, and ours (to ignore each other's). */
static const char *const data_own_keys[] = {"source", "output_dir", "chunk_rows", NULL};
static const char *const data_file_keys[] = {"input_dir", "file_format", "pattern",
                                             "nan_as_missing", "ignore_unknown_columns",
                                             "max_line_bytes", NULL};

/* What the design's other storage.type words require: s3 and minio name the Parquet
 * lake on S3, so its root (connection_string or path) must be an s3:// URL;
 * timescaledb is PostgreSQL with timescaledb: on, so `timescaledb: off` contradicts it. */
static int storage_alias_check(struct tep_pipeline *p, yaml_node_t *storage, int type,
                               struct tep_error *err)
{
    static const char *const words[] = {[STORE_S3] = "s3", [STORE_MINIO] = "minio"};
    yaml_node_t *type_node = tep_config_child(&p->cfg, storage, "type");
    if (type == STORE_S3 || type == STORE_MINIO) {
        yaml_node_t *root = tep_config_child(&p->cfg, storage, "connection_string");
        const char *text = tep_config_scalar(root);
        if (!text || !text[0]) {
            root = tep_config_child(&p->cfg, storage, "path");
            text = tep_config_scalar(root);
        }
        if (!text || !text[0])
            return tep_config_error_at(&p->cfg, type_node, err,
                                       "storage.type %s (the Parquet lake on S3): expected "
                                       "storage.connection_string: s3://bucket/prefix",
                                       words[type]);
        if (strncmp(text, "s3://", 5) != 0)
            return tep_config_error_at(&p->cfg, root, err,
                                       "storage.type %s (the Parquet lake on S3): expected an S3 "
                                       "URL s3://bucket/prefix, got '%s' (type: parquet stores "
                                       "into a folder)",
                                       words[type], text);
    }
    if (type == STORE_TIMESCALEDB) {
        yaml_node_t *flag = tep_config_child(&p->cfg, storage, "timescaledb");
        const char *text = tep_config_scalar(flag);
        if (text && strcmp(text, "on") != 0)
            return tep_config_error_at(&p->cfg, flag, err,
                                       "storage.timescaledb: '%s' contradicts storage.type "
                                       "timescaledb (= postgresql with timescaledb: on); remove "
                                       "it, or use type: postgresql",
                                       text);
    }
    return 0;
}

int tep_pipeline_configure(struct tep_pipeline *p, const char *config_path, bool quiet,
                           struct tep_error *err)
{
    memset(p, 0, sizeof *p);
    if (tep_config_load(&p->cfg, config_path, err) != 0) return -1;
    yaml_node_t *root = tep_config_root(&p->cfg);
    /* unknown top-level sections */
    if (root) {
        for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
             pair < root->data.mapping.pairs.top; pair++) {
            yaml_node_t *k = yaml_document_get_node(&p->cfg.doc, pair->key);
            const char *name = tep_config_scalar(k);
            bool known = false;
            for (const char *const *s = sections; *s; s++)
                if (name && strcmp(name, *s) == 0) known = true;
            if (!known)
                return tep_config_error_at(&p->cfg, k, err,
                                           "unknown section '%s' (expected data, simulator, "
                                           "preprocessing, storage, analysis or logging)",
                                           name ? name : "?");
        }
    }
    p->env.config_path = p->cfg.path;
    memcpy(p->env.config_sha256, p->cfg.sha256, sizeof p->env.config_sha256);
    p->env.quiet = quiet;

    /* logging: */
    struct logging_options lo;
    if (tep_config_apply(&p->cfg, tep_config_child(&p->cfg, root, "logging"), logging_keys, &lo,
                         "logging", NULL, err) != 0)
        return -1;
    if (tep_config_child(&p->cfg, root, "logging")) {
        tep_log_set_level((enum tep_log_level)lo.level);
        tep_log_set_json(lo.format == 1);
    }

    /* data: */
    yaml_node_t *data = tep_config_child(&p->cfg, root, "data");
    struct data_options d;
    if (tep_config_apply(&p->cfg, data, data_keys, &d, "data", data_file_keys, err) != 0) return -1;
    snprintf(p->env.output_dir, sizeof p->env.output_dir, "%s", d.output_dir);
    p->env.chunk_rows = (size_t)d.chunk_rows;
    int source = d.source;
    if (source == SOURCE_AUTO)
        source = tep_config_child(&p->cfg, data, "input_dir") ? SOURCE_FILES : SOURCE_SIMULATOR;
    if (source == SOURCE_FILES) {
        if (stage_setup(p, &p->input, &tep_source_files_plugin, data, "data", data_own_keys, err))
            return -1;
    } else {
        if (stage_setup(p, &p->input, &tep_source_simulator_plugin,
                        tep_config_child(&p->cfg, root, "simulator"), "simulator", NULL, err))
            return -1;
    }

    /* preprocessing: */
    yaml_node_t *prep = tep_config_child(&p->cfg, root, "preprocessing");
    p->prep.plugin = &tep_prep_stage_plugin;
    p->prep.env = &p->env;
    snprintf(p->prep.name, sizeof p->prep.name, "preprocessing");
    p->prep.options = calloc(1, tep_prep_stage_plugin.options_size);
    if (!p->prep.options) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    if (tep_prep_stage_configure(&p->prep, &p->cfg, prep, err) != 0) return -1;

    /* storage: */
    yaml_node_t *storage = tep_config_child(&p->cfg, root, "storage");
    struct storage_options so;
    /* the type first; the chosen store's own key table checks the other keys below */
    const char *store_keys[160];
    size_t nkeys = 0;
    const struct tep_cfg_key *tables[] = {
        tep_store_sqlite_plugin.config_keys, tep_store_postgresql_plugin.config_keys,
        tep_store_influxdb_plugin.config_keys, tep_store_parquet_plugin.config_keys};
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct tep_cfg_key *k = tables[t]; k->name && nkeys + 1 < 160; k++)
            store_keys[nkeys++] = k->name;
    store_keys[nkeys] = NULL;
    if (tep_config_apply(&p->cfg, storage, storage_keys, &so, "storage", store_keys, err))
        return -1;
    /* indexed like storage_keys' choices */
    const struct tep_stage_plugin *const stores[] = {
        &tep_store_sqlite_plugin,    &tep_store_postgresql_plugin, &tep_store_influxdb_plugin,
        &tep_store_parquet_plugin,   &tep_store_parquet_plugin,    &tep_store_parquet_plugin,
        &tep_store_postgresql_plugin};
    const struct tep_stage_plugin *store = stores[so.type];
    static const char *const storage_own_keys[] = {"type", NULL};
    if (storage_alias_check(p, storage, so.type, err) != 0) return -1;
    if (stage_setup(p, &p->outputs[0], store, storage, "storage", storage_own_keys, err))
        return -1;
    p->noutputs = 1;
    if (so.type == STORE_TIMESCALEDB) tep_store_postgresql_require_timescaledb(&p->outputs[0]);

    /* analysis: (optional) */
    yaml_node_t *analysis = tep_config_child(&p->cfg, root, "analysis");
    if (tep_config_apply(&p->cfg, analysis, analysis_keys, &p->analysis, "analysis", NULL, err))
        return -1;
    if (!analysis) p->analysis.enabled = false;
    if (!p->analysis.report[0])
        snprintf(p->analysis.report, sizeof p->analysis.report, "%s/report.html", p->env.output_dir);
    if (!p->analysis.json[0])
        snprintf(p->analysis.json, sizeof p->analysis.json, "%s/analysis.json", p->env.output_dir);

    return 0;
}

int tep_pipeline_open(struct tep_pipeline *p, const char *config_path, bool quiet,
                      struct tep_error *err)
{
    if (tep_pipeline_configure(p, config_path, quiet, err) != 0) return -1;
    /* create everything */
    yaml_node_t *storage = tep_config_child(&p->cfg, tep_config_root(&p->cfg), "storage");
    const struct tep_stage_plugin *store = p->outputs[0].plugin;
    if (tep_make_dirs(p->env.output_dir, err) != 0) return -1;
    if (p->input.plugin->init(&p->input, err) != 0) return -1;
    if (p->prep.plugin->init(&p->prep, err) != 0) return -1;
    for (size_t i = 0; i < p->noutputs; i++)
        if (p->outputs[i].plugin->init(&p->outputs[i], err) != 0) return -1;
    const char *store_path = tep_config_scalar(tep_config_child(&p->cfg, storage, "connection_string"));
    snprintf(p->store_path, sizeof p->store_path, "%s", store_path ? store_path : "data/tep.db");
    p->store_kind = TEP_ANALYSIS_STORE_NONE; /* analysis reads SQLite and PostgreSQL */
    if (store == &tep_store_parquet_plugin) {
        const char *lake = tep_config_scalar(tep_config_child(&p->cfg, storage, "path"));
        snprintf(p->storage_description, sizeof p->storage_description,
                 "Parquet lake %s (runs/, tep_processed/)",
                 lake ? lake : store_path ? store_path : "data/lake");
    } else if (store == &tep_store_sqlite_plugin) {
        p->store_kind = TEP_ANALYSIS_STORE_SQLITE;
        snprintf(p->storage_description, sizeof p->storage_description,
                 "SQLite %s (tables runs, tep_processed, quality)", p->store_path);
    } else { /* never show a password */
        char masked[TEP_CFG_STRING_MAX];
        tep_store_mask_connection(store_path ? store_path : "", masked, sizeof masked);
        bool pg = store == &tep_store_postgresql_plugin;
        snprintf(p->storage_description, sizeof p->storage_description, "%s %s",
                 pg ? "PostgreSQL" : "InfluxDB",
                 masked[0] ? masked : pg ? "(PG* environment)" : "http://127.0.0.1:8086");
        if (pg) {
            const char *schema = tep_config_scalar(tep_config_child(&p->cfg, storage, "schema"));
            const char *prefix =
                tep_config_scalar(tep_config_child(&p->cfg, storage, "table_prefix"));
            p->store_kind = TEP_ANALYSIS_STORE_POSTGRESQL;
            snprintf(p->store_path, sizeof p->store_path, "%s", store_path ? store_path : "");
            snprintf(p->store_schema, sizeof p->store_schema, "%s", schema ? schema : "");
            snprintf(p->store_prefix, sizeof p->store_prefix, "%s", prefix ? prefix : "");
        }
    }
    if (p->store_kind == TEP_ANALYSIS_STORE_NONE) p->store_path[0] = '\0';
    return 0;
}

static void meta_init(struct tep_run_meta *meta, const struct tep_pipeline *p, void *quality)
{
    memset(meta, 0, sizeof *meta);
    meta->size_bytes = -1;
    meta->fault_onset_h = NAN;
    meta->seed = NAN;
    meta->hours = NAN;
    meta->started_unix = (double)time(NULL);
    memcpy(meta->config_sha256, p->env.config_sha256, sizeof meta->config_sha256);
    meta->quality = quality;
}

static int add_summary(struct tep_pipeline *p, const struct tep_run_meta *meta)
{
    if (p->nruns == p->runs_allocated) {
        size_t n = p->runs_allocated ? 2 * p->runs_allocated : 16;
        struct tep_run_summary *r = realloc(p->runs, n * sizeof *r);
        if (!r) return -1;
        p->runs = r;
        p->runs_allocated = n;
    }
    struct tep_run_summary *s = &p->runs[p->nruns++];
    memset(s, 0, sizeof *s);
    snprintf(s->run_id, sizeof s->run_id, "%s", meta->run_id);
    s->rows_read = meta->rows_read;
    s->rows_stored = meta->rows_stored;
    s->fault = meta->fault;
    if (meta->shutdown_step > 0)
        snprintf(s->shutdown, sizeof s->shutdown, "shutdown at %.3f h (%s)", meta->shutdown_time_h,
                 meta->shutdown_reason);
    const struct tep_prep_metrics *m = meta->quality;
    if (m)
        snprintf(s->quality, sizeof s->quality,
                 "duplicates %llu, missing %llu (filled %llu, gaps left %llu), outliers %llu, "
                 "range violations %llu, non-monotonic time %llu",
                 (unsigned long long)tep_prep_metrics_run_value(m, TEP_PREP_DUPLICATES_DROPPED),
                 (unsigned long long)tep_prep_metrics_col_value(m, NULL, TEP_PREP_MISSING_IN),
                 (unsigned long long)tep_prep_metrics_col_value(m, NULL, TEP_PREP_MISSING_FILLED),
                 (unsigned long long)tep_prep_metrics_col_value(m, NULL, TEP_PREP_GAPS_LEFT),
                 (unsigned long long)tep_prep_metrics_col_value(m, NULL, TEP_PREP_OUTLIERS_FOUND),
                 (unsigned long long)tep_prep_metrics_col_value(m, NULL, TEP_PREP_RANGE_VIOLATIONS),
                 (unsigned long long)tep_prep_metrics_run_value(m, TEP_PREP_NON_MONOTONIC_TIME));
    return 0;
}

/* ---- the writer thread ------------------------------------------------------------
 * Stores are usually the slowest stage, so they run in a thread of their own:
 * while the writer stores chunk k, the main thread reads and preprocesses chunk
 * k+1. Frames circulate through a small pool (memory stays bounded): the main
 * thread takes a free frame, fills it, queues it; the writer stores it and puts
 * it back. The first store error stops the writer; the main thread sees it at
 * its next hand-over and rolls the run back. */
#define WRITER_POOL 3

struct writer;
typedef int (*writer_consume_fn)(struct writer *w, struct tep_frame *f, struct tep_error *err);

struct writer {
    struct tep_pipeline *p;
    writer_consume_fn consume; /* what the thread does with each frame */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct tep_frame *pool[WRITER_POOL]; /* every frame, owned here */
    struct tep_frame *queue[WRITER_POOL]; /* frames waiting to be stored, in order */
    size_t queued, queue_head;
    bool frame_free[WRITER_POOL];
    bool busy;       /* the writer is storing a frame */
    bool quit;
    struct tep_run_meta *meta;
    int status;      /* 0, or -1 after a store error (in err) */
    struct tep_error err;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->quit && w->queued == 0) pthread_cond_wait(&w->changed, &w->lock);
        if (w->queued == 0 && w->quit) break;
        struct tep_frame *f = w->queue[w->queue_head];
        w->queue_head = (w->queue_head + 1) % WRITER_POOL;
        w->queued--;
        w->busy = true;
        bool skip = w->status != 0;
        pthread_mutex_unlock(&w->lock);
        int rc = 0;
        struct tep_error err;
        tep_error_clear(&err);
        if (!skip) rc = w->consume(w, f, &err);
        pthread_mutex_lock(&w->lock);
        if (rc != 0 && w->status == 0) {
            w->status = -1;
            w->err = err;
        }
        for (size_t i = 0; i < WRITER_POOL; i++)
            if (w->pool[i] == f) w->frame_free[i] = true;
        w->busy = false;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* The store path: every output stores the frame. */
static int store_frame(struct writer *w, struct tep_frame *f, struct tep_error *err)
{
    for (size_t i = 0; i < w->p->noutputs; i++)
        if (w->p->outputs[i].plugin->process(&w->p->outputs[i], f, w->meta, err) < 0) return -1;
    return 0;
}

/* The fit path: the normal-operation model accumulates the frame. */
static int fit_frame(struct writer *w, struct tep_frame *f, struct tep_error *err)
{
    return tep_prep_stage_fit_accumulate(&w->p->prep, f, err);
}

/* Start the writer thread with a full pool of frames; on failure nothing is left. */
static int writer_start(struct writer *w, struct tep_pipeline *p, writer_consume_fn consume,
                        struct tep_error *err)
{
    memset(w, 0, sizeof *w);
    w->p = p;
    w->consume = consume;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    for (size_t i = 0; i < WRITER_POOL; i++) {
        w->pool[i] = tep_frame_new(p->env.chunk_rows ? p->env.chunk_rows : 1024);
        if (!w->pool[i]) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto fail;
        }
        w->frame_free[i] = true;
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        tep_error_set(err, TEP_ERR_INTERNAL, "cannot start the writer thread");
        goto fail;
    }
    return 0;
fail:
    for (size_t i = 0; i < WRITER_POOL; i++)
        tep_frame_free(w->pool[i]);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    memset(w, 0, sizeof *w);
    return -1;
}

static void writer_stop(struct writer *w)
{
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    for (size_t i = 0; i < WRITER_POOL; i++) tep_frame_free(w->pool[i]);
}

/* Wait for a free frame; NULL (with err) when the writer has failed. The pool is
 * always full here (writer_start and writer_begin_run fail when a frame cannot be
 * had), and every frame taken is submitted or given back, so a frame always comes. */
static struct tep_frame *writer_take(struct writer *w, struct tep_error *err)
{
    struct tep_frame *f = NULL;
    pthread_mutex_lock(&w->lock);
    while (!f && w->status == 0) {
        for (size_t i = 0; !f && i < WRITER_POOL; i++) {
            if (w->frame_free[i]) {
                w->frame_free[i] = false;
                f = w->pool[i];
            }
        }
        if (!f) pthread_cond_wait(&w->changed, &w->lock);
    }
    if (!f) *err = w->err;
    pthread_mutex_unlock(&w->lock);
    return f;
}

static void writer_submit(struct writer *w, struct tep_frame *f)
{
    pthread_mutex_lock(&w->lock);
    w->queue[(w->queue_head + w->queued) % WRITER_POOL] = f;
    w->queued++;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

static void writer_give_back(struct writer *w, struct tep_frame *f)
{
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < WRITER_POOL; i++)
        if (w->pool[i] == f) w->frame_free[i] = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

/* Wait until everything queued is stored; returns the writer's status. */
static int writer_drain(struct writer *w, struct tep_error *err)
{
    pthread_mutex_lock(&w->lock);
    while (w->queued > 0 || w->busy) pthread_cond_wait(&w->changed, &w->lock);
    int rc = w->status;
    if (rc != 0) *err = w->err;
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* Start a run: frames become free again and the status is cleared. Fails (err) when
 * a fresh frame cannot be had; the pool then holds what could be allocated. */
static int writer_begin_run(struct writer *w, struct tep_run_meta *meta, struct tep_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&w->lock);
    w->meta = meta;
    w->status = 0;
    tep_error_clear(&w->err);
    for (size_t i = 0; i < WRITER_POOL; i++) {
        /* a run may have other columns than the last one: fresh frames */
        tep_frame_free(w->pool[i]);
        w->pool[i] = tep_frame_new(w->p->env.chunk_rows ? w->p->env.chunk_rows : 1024);
        w->frame_free[i] = w->pool[i] != NULL;
        if (!w->pool[i]) rc = tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* One run through every stage; on failure the stores roll the run back. */
static int run_one(struct tep_pipeline *p, struct writer *w, struct tep_run_meta *meta,
                   struct tep_progress *progress, size_t run_number, struct tep_error *err)
{
    struct tep_frame *tail = NULL, *frame = NULL;
    size_t begun_outputs = 0; /* outputs to abort on failure, the one whose begin failed too */
    bool prep_begun = false;
    if (writer_begin_run(w, meta, err) != 0) goto fail;
    while (begun_outputs < p->noutputs) {
        struct tep_stage *o = &p->outputs[begun_outputs++];
        if (o->plugin->begin_run(o, meta, err) != 0) goto fail;
    }
    if (p->prep.plugin->begin_run(&p->prep, meta, err) != 0) goto fail;
    prep_begun = true;
    bool first = true;
    for (;;) {
        frame = writer_take(w, err);
        if (!frame) goto fail;
        long n = p->input.plugin->process(&p->input, frame, meta, err);
        if (n < 0) goto fail;
        if (n == 0 && !first) {
            writer_give_back(w, frame);
            frame = NULL;
            break;
        }
        first = false;
        if (p->prep.plugin->process(&p->prep, frame, meta, err) < 0) goto fail;
        tep_progress_status(progress, "run %zu %s: %lld rows read", run_number, meta->run_id,
                            meta->rows_read);
        writer_submit(w, frame);
        frame = NULL;
        if (n == 0) break;
    }
    if (p->input.plugin->end_run && p->input.plugin->end_run(&p->input, meta, NULL, err) != 0)
        goto fail;
    tail = tep_frame_new(16);
    if (!tail) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    prep_begun = false;
    if (p->prep.plugin->end_run(&p->prep, meta, tail, err) != 0) goto fail;
    if (writer_drain(w, err) != 0) goto fail;
    if (tail->nrows > 0)
        for (size_t i = 0; i < p->noutputs; i++)
            if (p->outputs[i].plugin->process(&p->outputs[i], tail, meta, err) < 0) goto fail;
    meta->finished_unix = (double)time(NULL);
    for (size_t i = 0; i < p->noutputs; i++)
        if (p->outputs[i].plugin->end_run(&p->outputs[i], meta, NULL, err) != 0) goto fail;
    tep_frame_free(tail);
    return 0;
fail:
    if (frame) writer_give_back(w, frame);
    {
        struct tep_error ignored;
        writer_drain(w, &ignored);
    }
    tep_error_prefix(err, "run %s", meta->run_id[0] ? meta->run_id : "?");
    if (prep_begun) {
        struct tep_error ignored;
        struct tep_frame *scratch = tep_frame_new(16);
        if (scratch) p->prep.plugin->end_run(&p->prep, meta, scratch, &ignored);
        tep_frame_free(scratch);
    }
    for (size_t i = 0; i < begun_outputs; i++)
        if (p->outputs[i].plugin->abort_run) p->outputs[i].plugin->abort_run(&p->outputs[i], meta);
    tep_frame_free(tail);
    return -1;
}

/* First pass: fit the normal-operation model on a fresh instance of the input. The
 * steps before the model run here; the model accumulates in the worker thread. */
static int fit_pass(struct tep_pipeline *p, struct tep_error *err)
{
    struct tep_stage input = p->input;
    input.ctx = NULL;
    struct tep_frame *frame = NULL, *tail = NULL;
    struct tep_run_meta meta;
    struct writer worker;
    bool started = false;
    int rc = -1;
    tep_info("pipeline", "fitting the normal-operation model (first pass over the inputs)");
    if (input.plugin->init(&input, err) != 0) goto done;
    if (tep_prep_stage_fit_begin(&p->prep, err) != 0) goto done;
    if (writer_start(&worker, p, fit_frame, err) != 0) goto done;
    started = true;
    for (;;) {
        meta_init(&meta, p, NULL);
        int more = input.plugin->next_run(&input, &meta, err);
        if (more < 0) goto done;
        if (more == 0) break;
        if (writer_begin_run(&worker, &meta, err) != 0) goto done;
        bool begun = false;
        for (;;) {
            frame = writer_take(&worker, err);
            if (!frame) goto done;
            long n = input.plugin->process(&input, frame, &meta, err);
            if (n < 0) goto done;
            if (!begun) {
                if (tep_prep_stage_fit_begin_run(&p->prep, frame, err) != 0) goto done;
                begun = true;
            }
            if (n == 0) {
                writer_give_back(&worker, frame);
                frame = NULL;
                break;
            }
            if (tep_prep_stage_fit_prepare(&p->prep, frame, err) != 0) goto done;
            writer_submit(&worker, frame);
            frame = NULL;
        }
        if (input.plugin->end_run && input.plugin->end_run(&input, &meta, NULL, err) != 0)
            goto done;
        if (writer_drain(&worker, err) != 0) goto done;
        tep_frame_free(tail);
        tail = tep_frame_new(16);
        if (!tail) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (tep_prep_stage_fit_end_run(&p->prep, tail, err) != 0 ||
            tep_prep_stage_fit_accumulate(&p->prep, tail, err) != 0)
            goto done;
    }
    if (tep_prep_stage_fit_finish(&p->prep, err) != 0) goto done;
    rc = 0;
done:
    if (started) {
        if (frame) writer_give_back(&worker, frame);
        struct tep_error ignored;
        writer_drain(&worker, &ignored);
        writer_stop(&worker);
    }
    if (input.plugin && input.plugin->destroy) input.plugin->destroy(&input);
    tep_frame_free(tail);
    return rc;
}

int tep_pipeline_run(struct tep_pipeline *p, struct tep_error *err)
{
    double t0 = tep_now_seconds();
    if (tep_prep_stage_needs_fit(&p->prep) && fit_pass(p, err) != 0) return -1;
    struct tep_prep_metrics *quality = tep_prep_metrics_new("", err);
    struct writer writer;
    struct tep_progress progress;
    int rc = -1;
    if (!quality) return -1;
    if (writer_start(&writer, p, store_frame, err) != 0) {
        tep_prep_metrics_free(quality);
        return -1;
    }
    tep_progress_start(&progress, "pipeline", 1, p->env.quiet);
    for (;;) {
        struct tep_run_meta meta;
        meta_init(&meta, p, quality);
        int more = p->input.plugin->next_run(&p->input, &meta, err);
        if (more < 0) goto done;
        if (more == 0) break;
        tep_prep_metrics_reset(quality, meta.run_id);
        tep_info("pipeline", "run %s: started (%s)", meta.run_id, meta.source);
        if (run_one(p, &writer, &meta, &progress, p->nruns + 1, err) != 0) goto done;
        if (add_summary(p, &meta) != 0) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto done;
        }
        tep_info("pipeline", "run %s: %lld rows read, %lld stored", meta.run_id, meta.rows_read,
                 meta.rows_stored);
    }
    for (size_t i = 0; i < p->noutputs; i++)
        if (p->outputs[i].plugin->finish && p->outputs[i].plugin->finish(&p->outputs[i], err) != 0)
            goto done;
    rc = 0;
done:
    if (progress.enabled) fputs("\r\033[K", stderr); /* clear the status line */
    p->seconds = tep_now_seconds() - t0;
    writer_stop(&writer);
    tep_prep_metrics_free(quality);
    return rc;
}

void tep_pipeline_close(struct tep_pipeline *p)
{
    stage_destroy(&p->input);
    stage_destroy(&p->prep);
    for (size_t i = 0; i < p->noutputs; i++) stage_destroy(&p->outputs[i]);
    free(p->runs);
    tep_config_free(&p->cfg);
    memset(p, 0, sizeof *p);
}

void tep_pipeline_print_summary(const struct tep_pipeline *p, FILE *out)
{
    long long rows = 0;
    for (size_t i = 0; i < p->nruns; i++) rows += p->runs[i].rows_stored;
    char steps[512];
    tep_prep_stage_describe(&p->prep, steps, sizeof steps);
    fprintf(out, "tep run: %zu runs, %lld rows stored in %s in %.2f s\n",
            p->nruns, rows, p->storage_description, p->seconds);
    fprintf(out, "  preprocessing: %s", steps);
    const char *model = tep_prep_stage_model_path(&p->prep);
    if (model) fprintf(out, "; normal-operation model: %s", model);
    fputc('\n', out);
    for (size_t i = 0; i < p->nruns; i++) {
        const struct tep_run_summary *r = &p->runs[i];
        char shown[4 * TEP_RUN_ID_MAX]; /* a run id from a file name: one line whatever it holds */
        tep_text_escape_line(r->run_id, shown, sizeof shown);
        fprintf(out, "  %-36s fault %2d  rows %7lld -> %7lld  %s%s%s\n", shown, r->fault,
                r->rows_read, r->rows_stored, r->quality, r->shutdown[0] ? "; " : "", r->shutdown);
    }
}

void tep_pipeline_print_config_help(FILE *out)
{
    fprintf(out, "config.yaml keys (section.key  form (default)  meaning):\n\n");
    tep_config_print_keys(out, "data", data_keys);
    tep_config_print_keys(out, "data", tep_source_files_plugin.config_keys);
    tep_config_print_keys(out, "simulator", tep_source_simulator_plugin.config_keys);
    tep_prep_stage_print_help(out);
    tep_config_print_keys(out, "storage", storage_keys);
    fprintf(out, "  with storage.type: sqlite\n");
    tep_config_print_keys(out, "storage", tep_store_sqlite_plugin.config_keys);
    fprintf(out,
            "  with storage.type: postgresql, or timescaledb (the same with timescaledb: on)\n");
    tep_config_print_keys(out, "storage", tep_store_postgresql_plugin.config_keys);
    fprintf(out, "  with storage.type: influxdb\n");
    tep_config_print_keys(out, "storage", tep_store_influxdb_plugin.config_keys);
    fprintf(out, "  with storage.type: parquet, or s3 / minio (the lake on an s3:// "
                 "connection_string)\n");
    tep_config_print_keys(out, "storage", tep_store_parquet_plugin.config_keys);
    tep_config_print_keys(out, "analysis", analysis_keys);
    tep_config_print_keys(out, "logging", logging_keys);
}
