/* source_files.c - collection from data files: an input stage over every file of
 * data.input_dir that matches data.pattern (default "*.<file_format>"), in name
 * order. Each file is a run (a file holding several runs, such as the Rieth
 * 2017 layout with a simulationRun column, gives one run per simulation run),
 * with lineage: path, size, SHA-256 and rows read, and the fault of its rows.
 * Run ids: the file's path below input_dir - the file name ("d01_te.dat") for the
 * usual files directly in input_dir, "A/x.csv" for a pattern reaching into folders -
 * or "path#run" inside multi-run files, so a rerun of the same input replaces its
 * rows and two inputs never share an id. Every id is checked as a run-id column's
 * text is (tep_run_id_problem: whole, UTF-8, at most 1023 bytes): file names are
 * checked before the first run starts; two runs with the same id in one pass
 * (possible only with odd names, e.g. "a.csv#1.csv" beside a multi-run "a.csv")
 * are an error naming both files.
 */
/* tdestroy needs _GNU_SOURCE, which the build defines */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/stage.h"
#include "io/reader.h"
#include "io/sources.h"

struct files_options {
    char input_dir[TEP_CFG_STRING_MAX];
    int file_format; /* index into "csv|json|dat|parquet" */
    char pattern[TEP_CFG_STRING_MAX];
    bool nan_as_missing;
    bool ignore_unknown_columns;
    long max_line_bytes;
};

struct files_ctx {
    glob_t files;
    const char **file_ids; /* per file: its path below input_dir (points into files) */
    size_t next_file;
    struct tep_reader *reader; /* file in progress, NULL between files */
    const char *file_path;     /* its path */
    const char *file_id;       /* its path below input_dir: the base of its run ids */
    bool eof;                  /* the reader has returned 0 */
    int runs_in_file;          /* runs started from the current file */
    struct tep_frame *held;    /* a chunk read but not yet delivered */
    bool held_valid;
    char reader_run[TEP_RUN_ID_MAX]; /* the reader's id of the run in progress */
    int run_fault;                   /* first fault label among the run's rows, 0 = none */
    double run_fault_h;              /* time of that row */
    void *ids_seen;                  /* tsearch tree of struct seen_id: ids of this pass */
};

/* A run id given out in this pass, and the file it came from. */
struct seen_id {
    char *id;
    const char *path;
};

static const enum tep_file_format format_values[] = {TEP_FORMAT_CSV, TEP_FORMAT_JSON, TEP_FORMAT_DAT,
                                                     TEP_FORMAT_PARQUET};

static const struct tep_cfg_key files_keys[] = {
    {"input_dir", TEP_CFG_STRING, "data/raw", offsetof(struct files_options, input_dir),
     "folder holding the input files", NULL, TEP_CFG_UNBOUNDED},
    {"file_format", TEP_CFG_ENUM, "csv", offsetof(struct files_options, file_format),
     "format of the input files (json = NDJSON, dat = the Braatz files)", "csv|json|dat|parquet",
     TEP_CFG_UNBOUNDED},
    {"pattern", TEP_CFG_STRING, "", offsetof(struct files_options, pattern),
     "glob picking the files in input_dir (default: *.<file_format>)", NULL, TEP_CFG_UNBOUNDED},
    {"nan_as_missing", TEP_CFG_BOOL, "false", offsetof(struct files_options, nan_as_missing),
     "accept NaN/NA/null text as a missing value (otherwise it is an error)", NULL,
     TEP_CFG_UNBOUNDED},
    {"ignore_unknown_columns", TEP_CFG_BOOL, "false",
     offsetof(struct files_options, ignore_unknown_columns),
     "skip columns that are no TEP variable or key (otherwise an error)", NULL,
     TEP_CFG_UNBOUNDED},
    {"max_line_bytes", TEP_CFG_INT, "16777216", offsetof(struct files_options, max_line_bytes),
     "longest accepted line in bytes", NULL, 1024, 1073741824.0},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

const struct tep_cfg_key *tep_source_files_keys(void) { return files_keys; }

/* input_dir with glob's special characters ('*', '?', '[', '\\') escaped by a
 * backslash (glob(3) without GLOB_NOESCAPE), so that it matches only itself. */
static void escape_glob(const char *dir, char *out, size_t n)
{
    size_t o = 0;
    for (; *dir && o + 2 < n; dir++) {
        if (strchr("*?[\\", *dir)) out[o++] = '\\';
        out[o++] = *dir;
    }
    out[o] = '\0';
}

/* The part of a glob match below input_dir: "A/x.csv" for "<input_dir>/A/x.csv"
 * (extra slashes and "./" steps at its start skipped); NULL when the match does
 * not start with input_dir. */
static const char *path_below(const char *path, const char *dir)
{
    size_t dir_len = strlen(dir);
    if (strncmp(path, dir, dir_len) != 0) return NULL;
    const char *p = path + dir_len;
    for (;;) {
        if (*p == '/')
            p++;
        else if (p[0] == '.' && p[1] == '/')
            p += 2;
        else
            return p;
    }
}

static int files_init(struct tep_stage *stage, struct tep_error *err)
{
    struct files_options *o = stage->options;
    struct files_ctx *c = calloc(1, sizeof *c);
    if (!c) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    stage->ctx = c;
    struct stat st;
    if (stat(o->input_dir, &st) != 0)
        return tep_error_set_errno(err, TEP_ERR_IO, "data.input_dir: cannot open the folder",
                                   o->input_dir);
    if (!S_ISDIR(st.st_mode))
        return tep_error_set_at(err, TEP_ERR_IO, o->input_dir, 0, 0,
                                "data.input_dir: expected a folder, found a file");
    char pattern[3 * TEP_CFG_STRING_MAX + 16], dir[2 * TEP_CFG_STRING_MAX];
    char ext[16];
    const char *names[] = {"csv", "json", "dat", "parquet"};
    snprintf(ext, sizeof ext, "*.%s", names[o->file_format]);
    escape_glob(o->input_dir, dir, sizeof dir); /* the pattern applies below the folder only */
    snprintf(pattern, sizeof pattern, "%s/%s", dir, o->pattern[0] ? o->pattern : ext);
    int rc = glob(pattern, 0, NULL, &c->files);
    if (rc == GLOB_NOMATCH || (rc == 0 && c->files.gl_pathc == 0))
        return tep_error_set_at(err, TEP_ERR_IO, o->input_dir, 0, 0,
                                "no input files match '%s' (data.pattern / data.file_format)",
                                o->pattern[0] ? o->pattern : ext);
    if (rc != 0)
        return tep_error_set_at(err, TEP_ERR_IO, o->input_dir, 0, 0, "cannot list '%s'", pattern);
    /* every file's id, checked before any run starts */
    c->file_ids = calloc(c->files.gl_pathc, sizeof *c->file_ids);
    if (!c->file_ids) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->files.gl_pathc; i++) {
        const char *path = c->files.gl_pathv[i];
        const char *id = path_below(path, o->input_dir);
        char why[96];
        if (!id)
            return tep_error_set_at(err, TEP_ERR_INTERNAL, path, 0, 0,
                                    "this match of data.pattern is not below data.input_dir "
                                    "'%s': expected every match to start with it",
                                    o->input_dir);
        if (tep_run_id_problem(id, strlen(id), why, sizeof why))
            return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                    "cannot name a run after this input file: its path below "
                                    "data.input_dir is %s (expected 1 to %d bytes of UTF-8 text; "
                                    "rename the file)",
                                    why, TEP_RUN_ID_MAX - 1);
        c->file_ids[i] = id;
    }
    return 0;
}

/* Run id of a chunk: the file's id, or "file#run" for a run named inside the file (the
 * reader names the run of a file without a run column after the file). Fails when the
 * id would be longer than a run id may be. */
static int chunk_run_id(const struct files_ctx *c, const struct tep_frame *chunk, char *out,
                        size_t n, struct tep_error *err)
{
    int len;
    if (!chunk->run_id[0] || strcmp(chunk->run_id, tep_reader_file_run_id(c->reader)) == 0)
        len = snprintf(out, n, "%s", c->file_id);
    else
        len = snprintf(out, n, "%s#%s", c->file_id, chunk->run_id);
    if (len >= 0 && (size_t)len < n) return 0;
    return tep_error_set_at(err, TEP_ERR_PARSE, c->file_path, 0, 0,
                            "the id of run '%s' of this file ('<file>#<run>', %d bytes) is "
                            "longer than %zu bytes",
                            chunk->run_id, len, n - 1);
}

static int seen_compare(const void *a, const void *b)
{
    return strcmp(((const struct seen_id *)a)->id, ((const struct seen_id *)b)->id);
}

static void seen_free(void *p)
{
    struct seen_id *s = p;
    free(s->id);
    free(s);
}

/* Note that `id` (of file `path`) is taken; an error when an earlier run has it. */
static int claim_run_id(struct files_ctx *c, const char *id, const char *path,
                        struct tep_error *err)
{
    struct seen_id *s = calloc(1, sizeof *s);
    if (!s || !(s->id = strdup(id))) {
        free(s);
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    s->path = path;
    struct seen_id **slot = tsearch(s, &c->ids_seen, seen_compare);
    if (!slot) {
        seen_free(s);
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    if (*slot == s) return 0;
    const char *first = (*slot)->path;
    seen_free(s);
    return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                            "run id '%s' is already the id of a run %s%s%s: every run needs its "
                            "own id (a later run would replace the earlier one in the store)",
                            id, strcmp(first, path) == 0 ? "earlier in this file" : "of ",
                            strcmp(first, path) == 0 ? "" : first,
                            strcmp(first, path) == 0 ? " (a run name used twice)" : "");
}

/* Lineage of the file; the fault of the run is set from its rows (label_run). */
static void fill_lineage(struct files_ctx *c, struct tep_run_meta *meta)
{
    const struct tep_lineage *l = tep_reader_lineage(c->reader);
    snprintf(meta->source, sizeof meta->source, "%s", l->path);
    snprintf(meta->source_kind, sizeof meta->source_kind, "%s", tep_format_name(l->format));
    meta->size_bytes = l->size_bytes;
    snprintf(meta->sha256, sizeof meta->sha256, "%s", l->sha256);
}

/* The run's fault: the first fault label among its rows (0 when all are normal); the
 * onset is the time of that row, or the file's documented onset when the file says it
 * holds this fault (Braatz files: 8 h into test runs, 1 h into training runs). A file
 * holding several runs is labelled run by run, never with another run's fault. */
static void label_run(const struct files_ctx *c, struct tep_run_meta *meta)
{
    const struct tep_lineage *l = tep_reader_lineage(c->reader);
    meta->fault = c->run_fault;
    meta->fault_onset_h = NAN;
    if (c->run_fault == 0) return;
    meta->fault_onset_h = c->run_fault_h;
    if (l->fault == c->run_fault && c->runs_in_file == 1 && !isnan(l->fault_onset_h) &&
        l->fault_onset_h <= c->run_fault_h)
        meta->fault_onset_h = l->fault_onset_h;
}

static int open_file(struct tep_stage *stage, const char *path, struct tep_error *err)
{
    struct files_options *o = stage->options;
    struct files_ctx *c = stage->ctx;
    struct tep_reader_options ro = {
        .format = format_values[o->file_format],
        .chunk_rows = stage->env && stage->env->chunk_rows ? stage->env->chunk_rows : 0,
        .max_line_bytes = (size_t)o->max_line_bytes,
        .ignore_unknown_columns = o->ignore_unknown_columns,
        .nan_text_is_missing = o->nan_as_missing,
    };
    c->reader = tep_reader_open(path, &ro, err);
    if (!c->reader) return -1;
    c->file_path = path;
    c->file_id = c->file_ids[c->next_file - 1];
    c->eof = false;
    c->runs_in_file = 0;
    /* a new file may have other columns: a fresh frame for its chunks */
    tep_frame_free(c->held);
    c->held = tep_frame_new(1024);
    if (!c->held) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    return 0;
}

/* Read the next chunk into `held`; sets eof at the end of the file. */
static int read_chunk(struct files_ctx *c, struct tep_error *err)
{
    long n = tep_reader_next(c->reader, c->held, err);
    if (n < 0) return -1;
    if (n == 0) {
        c->eof = true;
        return 0;
    }
    c->held_valid = true;
    return 0;
}

static int files_next_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err)
{
    struct files_ctx *c = stage->ctx;
    for (;;) {
        if (c->held_valid) break;
        if (c->reader && !c->eof) {
            if (read_chunk(c, err) != 0) return -1;
            if (c->eof && c->runs_in_file == 0) {
                c->held_valid = true; /* a file with no rows (header only) is an empty run */
                tep_frame_clear(c->held);
            }
            continue;
        }
        if (c->reader) {
            tep_reader_close(c->reader);
            c->reader = NULL;
        }
        if (c->next_file >= c->files.gl_pathc) return 0;
        if (open_file(stage, c->files.gl_pathv[c->next_file++], err) != 0) return -1;
    }
    c->runs_in_file++;
    if (chunk_run_id(c, c->held, meta->run_id, sizeof meta->run_id, err) != 0 ||
        claim_run_id(c, meta->run_id, c->file_path, err) != 0)
        return -1;
    snprintf(c->reader_run, sizeof c->reader_run, "%s", c->held->run_id);
    c->run_fault = 0;
    c->run_fault_h = NAN;
    meta->fault = 0;
    meta->fault_onset_h = NAN;
    meta->seed = NAN;
    meta->hours = NAN;
    fill_lineage(c, meta);
    return 1;
}

static long files_process(struct tep_stage *stage, struct tep_frame *frame,
                          struct tep_run_meta *meta, struct tep_error *err)
{
    struct files_ctx *c = stage->ctx;
    tep_frame_clear(frame);
    if (!c->held_valid) {
        if (!c->reader || c->eof) return 0;
        if (read_chunk(c, err) != 0) return -1;
        if (!c->held_valid) return 0;
    }
    /* the reader's own run id, compared whole: a chunk of another run ends this one */
    if (strcmp(c->held->run_id, c->reader_run) != 0) return 0;
    if (tep_frame_load_prefix(frame, c->held, err) != 0) return -1;
    memcpy(frame->run_id, meta->run_id, sizeof frame->run_id);
    c->held_valid = false;
    tep_frame_clear(c->held);
    for (size_t r = 0; c->run_fault == 0 && r < frame->nrows; r++)
        if (frame->fault[r] != 0) {
            c->run_fault = frame->fault[r];
            c->run_fault_h = frame->time_h[r];
        }
    label_run(c, meta);
    meta->rows_read += (long long)frame->nrows;
    if (frame->nrows == 0) return 0;
    return (long)frame->nrows;
}

static int files_end_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_frame *tail,
                         struct tep_error *err)
{
    (void)tail;
    (void)err;
    struct files_ctx *c = stage->ctx;
    if (c->reader) { /* the SHA-256 is known once the file is read */
        fill_lineage(c, meta);
        label_run(c, meta);
    }
    return 0;
}

static void files_destroy(struct tep_stage *stage)
{
    struct files_ctx *c = stage->ctx;
    if (!c) return;
    tep_reader_close(c->reader);
    tep_frame_free(c->held);
    tdestroy(c->ids_seen, seen_free);
    free(c->file_ids);
    globfree(&c->files);
    free(c);
    stage->ctx = NULL;
}

const struct tep_stage_plugin tep_source_files_plugin = {
    .name = "files",
    .description = "data files in data.input_dir: CSV, NDJSON, Braatz .dat (Parquet later)",
    .kind = TEP_STAGE_INPUT,
    .config_keys = files_keys,
    .options_size = sizeof(struct files_options),
    .init = files_init,
    .next_run = files_next_run,
    .process = files_process,
    .end_run = files_end_run,
    .destroy = files_destroy,
};
