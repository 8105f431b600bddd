/* make_seeds.c - writes the generated part of the seed corpora in tests/fuzz/corpus.
 *
 * scripts/fuzz.sh seeds runs it (the text seeds - CSV, NDJSON, YAML, numbers -
 * are copied or written by that script). Written here, deterministically:
 *   parquet_pages/  single column chunks, as fuzz_parquet_pages.c takes them: cut
 *                   from files our writer makes (each type, REQUIRED/OPTIONAL,
 *                   PLAIN/dictionary, UNCOMPRESSED/SNAPPY/ZSTD, small pages) and
 *                   from DuckDB's files in tests/data/parquet (V2 pages, DELTA_*,
 *                   BYTE_STREAM_SPLIT), located through their footers;
 *   parquet_file/   frame files of our writer (keys, several row groups, nulls);
 *   thrift/         the footers of all those files and the first page headers;
 *   braatz/         small valid d00.dat, d01.dat and d01_te.dat and broken ones;
 *   model_json/     PCA models (static and dynamic) fitted on synthetic data;
 *   scaler/         scaler.json models (z-score and robust) fitted on synthetic data.
 * Usage: make_seeds SOURCE_DIR  (writes SOURCE_DIR/tests/fuzz/corpus/...)
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/pca.h"
#include "core/frame.h"
#include "io/parquet.h"
#include "io/thrift_compact.h"
#include "prep/scaler.h"

static char corpus[4096];

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "make_seeds: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void write_bytes(const char *target, const char *name, const void *a, size_t na,
                        const void *b, size_t nb)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", corpus, target);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%s", corpus, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) || fclose(f) != 0)
        die("cannot write", path);
}

static uint8_t *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot read", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *data = malloc((size_t)n + 1);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) die("cannot read", path);
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* ---- Parquet --------------------------------------------------------------------- */

/* One column chunk as fuzz_parquet_pages.c frames it (see the layout there). */
static void write_page_seed(const char *name, int physical, bool optional, bool utf8, int codec,
                            int64_t rows, const uint8_t *chunk, size_t len)
{
    uint8_t header[5] = {0, 0, 0, (uint8_t)rows, (uint8_t)(rows >> 8)};
    switch (physical) {
    case TEP_PQ_PHYS_DOUBLE:
        header[0] = 0;
        break;
    case TEP_PQ_PHYS_INT32:
        header[0] = 1;
        break;
    case TEP_PQ_PHYS_INT64:
        header[0] = 2;
        break;
    case TEP_PQ_PHYS_BYTE_ARRAY:
        header[0] = 3;
        break;
    default:
        header[0] = 4;
        break;
    }
    header[1] = (uint8_t)((optional ? 1 : 0) | (utf8 ? 2 : 0));
    header[2] = codec == TEP_PQ_WIRE_SNAPPY         ? 1
                : codec == TEP_PQ_WIRE_ZSTD         ? 2
                : codec == TEP_PQ_WIRE_UNCOMPRESSED ? 0
                                                    : 3;
    if (rows > 0xFFFF) die("too many rows for a page seed", name);
    write_bytes("parquet_pages", name, header, sizeof header, chunk, len);
}

/* Where the footer of a Parquet file in memory starts, and its length. */
static void footer_of(const uint8_t *file, size_t size, size_t *start, size_t *len)
{
    if (size < 12) die("not a Parquet file", NULL);
    const uint8_t *t = file + size - 8;
    *len = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    *start = size - 8 - *len;
}

/* Column facts gathered from a footer. */
struct seed_column {
    int physical, repetition, converted, codec;
    int64_t num_values, compressed, data_offset, dict_offset;
};

static void read_int(struct tep_tc_decoder *d, int type, int64_t *out)
{
    if (tep_tc_read_i64(d, type, "int", out)) die("bad footer", d->err->message);
}

static void skip(struct tep_tc_decoder *d, int type)
{
    if (tep_tc_skip(d, type)) die("bad footer", d->err->message);
}

static size_t list_begin(struct tep_tc_decoder *d, int type)
{
    int elem;
    size_t n;
    if (tep_tc_read_list_begin(d, type, "list", &elem, &n) || elem != TEP_TC_STRUCT)
        die("bad footer list", d->err->message);
    return n;
}

/* Struct framing for the footer walk: open, then next_field until it returns false. */
static void open_struct(struct tep_tc_decoder *d)
{
    if (tep_tc_struct_begin_read(d)) die("bad footer", d->err->message);
}

static bool next_field(struct tep_tc_decoder *d, int16_t *last, struct tep_tc_field *f)
{
    if (tep_tc_read_field(d, last, f)) die("bad footer", d->err->message);
    if (f->type != TEP_TC_STOP) return true;
    tep_tc_struct_end_read(d);
    return false;
}

/* ColumnChunk.meta_data of one column. */
static void read_column_meta(struct tep_tc_decoder *d, struct seed_column *c)
{
    struct tep_tc_field f;
    int64_t v;
    open_struct(d);
    for (int16_t last = 0; next_field(d, &last, &f);) {
        if (f.id == 4)
            read_int(d, f.type, &v), c->codec = (int)v;
        else if (f.id == 5)
            read_int(d, f.type, &c->num_values);
        else if (f.id == 7)
            read_int(d, f.type, &c->compressed);
        else if (f.id == 9)
            read_int(d, f.type, &c->data_offset);
        else if (f.id == 11)
            read_int(d, f.type, &c->dict_offset);
        else
            skip(d, f.type);
    }
}

/* RowGroup: its rows and its chunks' metadata (only kept for the first group). */
static size_t read_row_group(struct tep_tc_decoder *d, struct seed_column *cols, int64_t *rows,
                             bool keep)
{
    struct tep_tc_field f, g;
    size_t ncols = 0;
    open_struct(d);
    for (int16_t last = 0; next_field(d, &last, &f);) {
        if (keep && f.id == 3) {
            read_int(d, f.type, rows);
        } else if (keep && f.id == 1) {
            ncols = list_begin(d, f.type);
            if (ncols > 64) die("too many columns", NULL);
            for (size_t j = 0; j < ncols; j++) {
                cols[j].dict_offset = -1;
                open_struct(d);
                for (int16_t last_chunk = 0; next_field(d, &last_chunk, &g);) {
                    if (g.id == 3)
                        read_column_meta(d, &cols[j]);
                    else
                        skip(d, g.type);
                }
            }
        } else {
            skip(d, f.type);
        }
    }
    return ncols;
}

/* Columns of the first row group of a file with a flat schema: at most 64. */
static size_t footer_columns(const uint8_t *file, size_t size, struct seed_column *cols,
                             int64_t *rows)
{
    size_t start, len, ncols = 0, nschema = 0;
    footer_of(file, size, &start, &len);
    struct tep_error err;
    struct tep_tc_decoder d;
    tep_tc_decoder_init(&d, file + start, len, start, "seed", "footer", &err);
    struct tep_tc_field f, g;
    int64_t v;
    open_struct(&d);
    for (int16_t last = 0; next_field(&d, &last, &f);) {
        if (f.id == 2) { /* schema: the root, then the leaves */
            nschema = list_begin(&d, f.type);
            if (nschema > 65) die("too many columns", NULL);
            for (size_t i = 0; i < nschema; i++) {
                struct seed_column *c = i ? &cols[i - 1] : NULL;
                if (c) c->converted = -1;
                open_struct(&d);
                for (int16_t last_elem = 0; next_field(&d, &last_elem, &g);) {
                    if (c && g.id == 1)
                        read_int(&d, g.type, &v), c->physical = (int)v;
                    else if (c && g.id == 3)
                        read_int(&d, g.type, &v), c->repetition = (int)v;
                    else if (c && g.id == 6)
                        read_int(&d, g.type, &v), c->converted = (int)v;
                    else
                        skip(&d, g.type);
                }
            }
        } else if (f.id == 4) { /* row groups */
            size_t n = list_begin(&d, f.type);
            for (size_t i = 0; i < n; i++) {
                size_t m = read_row_group(&d, cols, rows, i == 0);
                if (i == 0) ncols = m;
            }
        } else {
            skip(&d, f.type);
        }
    }
    if (nschema != ncols + 1) die("unexpected schema", NULL);
    return ncols;
}

/* Every column chunk of the first row group of `path` as a page seed; its footer and
 * first page header as Thrift seeds. */
static void seeds_from_file(const char *path, const char *tag)
{
    size_t size, start, len;
    uint8_t *file = read_whole(path, &size);
    footer_of(file, size, &start, &len);
    char name[256];
    snprintf(name, sizeof name, "footer_%s", tag);
    write_bytes("thrift", name, file + start, len, NULL, 0);
    struct seed_column cols[64];
    int64_t rows = 0;
    size_t n = footer_columns(file, size, cols, &rows);
    for (size_t c = 0; c < n; c++) {
        int64_t at = cols[c].dict_offset > 0 && cols[c].dict_offset < cols[c].data_offset
                         ? cols[c].dict_offset
                         : cols[c].data_offset;
        if (at < 4 || at + cols[c].compressed > (int64_t)start) die("bad chunk", path);
        snprintf(name, sizeof name, "%s_col%zu", tag, c);
        write_page_seed(name, cols[c].physical, cols[c].repetition == TEP_PQ_OPTIONAL,
                        cols[c].converted == TEP_PQ_CONVERTED_UTF8, cols[c].codec, rows, file + at,
                        (size_t)cols[c].compressed);
        if (c == 0) {
            snprintf(name, sizeof name, "page_header_%s", tag);
            write_bytes("thrift", name, file + at,
                        cols[c].compressed < 64 ? (size_t)cols[c].compressed : 64, NULL, 0);
        }
    }
    free(file);
}

/* Single-column files of our writer: every type, nullability, encoding and codec. */
static void writer_seeds(const char *tmp)
{
    enum { ROWS = 40 };
    static const char *const type_names[4] = {"double", "int32", "int64", "string"};
    static const char *const words[5] = {"alpha", "beta", "caf\xC3\xA9", "", "q\"'"};
    double dv[ROWS];
    int32_t i32[ROWS];
    int64_t i64[ROWS];
    const char *sv[ROWS];
    uint8_t valid[ROWS];
    for (int i = 0; i < ROWS; i++) {
        dv[i] = i % 3 == 0 ? 2.5 : i * 0.125 - 1; /* repeats: worth a dictionary */
        i32[i] = i % 4 - 2;
        i64[i] = (int64_t)i * 1000003 - 5000000000LL;
        sv[i] = words[i % 5];
        valid[i] = i % 7 != 3;
    }
    const void *values[4] = {dv, i32, i64, sv};
    static const struct {
        enum tep_pq_codec codec;
        bool dictionary;
        const char *name;
    } variants[3] = {{TEP_PQ_UNCOMPRESSED, false, "plain"},
                     {TEP_PQ_SNAPPY, true, "dict_snappy"},
                     {TEP_PQ_ZSTD, false, "plain_zstd"}};
    char path[4400], name[128];
    snprintf(path, sizeof path, "%s/one.parquet", tmp);
    for (int t = 0; t < 4; t++)
        for (int nullable = 0; nullable < 2; nullable++)
            for (int v = 0; v < 3; v++) {
                struct tep_pq_writer_options opt;
                tep_pq_writer_options_default(&opt);
                opt.codec = variants[v].codec;
                opt.dictionary = opt.dictionary_doubles = variants[v].dictionary;
                opt.page_size = 128; /* several pages */
                struct tep_pq_column_def def = {"xmeas_1", (enum tep_pq_type)t, nullable};
                struct tep_pq_column_data data = {values[t], nullable ? valid : NULL, false};
                struct tep_error err;
                struct tep_pq_writer *w = tep_pq_writer_open(path, &def, 1, &opt, &err);
                if (!w || tep_pq_write_row_group(w, &data, ROWS, &err) ||
                    tep_pq_writer_close(w, &err))
                    die("cannot write a Parquet seed", err.message);
                size_t size, start, len;
                uint8_t *file = read_whole(path, &size);
                footer_of(file, size, &start, &len);
                static const int physical[4] = {TEP_PQ_PHYS_DOUBLE, TEP_PQ_PHYS_INT32,
                                                TEP_PQ_PHYS_INT64, TEP_PQ_PHYS_BYTE_ARRAY};
                static const int wire[3] = {TEP_PQ_WIRE_UNCOMPRESSED, TEP_PQ_WIRE_SNAPPY,
                                            TEP_PQ_WIRE_ZSTD};
                snprintf(name, sizeof name, "tep_%s_%s_%s", type_names[t],
                         nullable ? "optional" : "required", variants[v].name);
                /* one column, one row group: the chunk is everything between the magic and
                 * the footer */
                write_page_seed(name, physical[t], nullable, t == 3, wire[v], ROWS, file + 4,
                                start - 4);
                if (v == 1 && nullable) {
                    snprintf(name, sizeof name, "footer_tep_%s", type_names[t]);
                    write_bytes("thrift", name, file + start, len, NULL, 0);
                }
                free(file);
            }
    unlink(path);
}

/* Frame files: run_id, sample, time_h, fault and value columns; two row groups. */
static void frame_file_seeds(const char *tmp)
{
    char path[4400];
    struct tep_error err;
    for (int variant = 0; variant < 2; variant++) {
        struct tep_frame *f = tep_frame_new(24);
        tep_frame_add_column(f, "xmeas_1", 0, &err);
        tep_frame_add_column(f, "xmeas_9", 8, &err);
        tep_frame_add_column(f, "xmv_12", 52, &err);
        snprintf(path, sizeof path, "%s/frame.parquet", tmp);
        struct tep_pq_writer_options opt;
        tep_pq_writer_options_default(&opt);
        opt.codec = variant ? TEP_PQ_ZSTD : TEP_PQ_SNAPPY;
        struct tep_pq_writer *w = tep_pq_writer_open_frame(path, f, &opt, &err);
        if (!w) die("cannot write a frame seed", err.message);
        for (int g = 0; g < 2; g++) {
            snprintf(f->run_id, sizeof f->run_id, variant ? "run-%d" : "sim_idv01", g);
            f->nrows = 12;
            for (size_t i = 0; i < f->nrows; i++) {
                f->sample[i] = (int64_t)i + 1;
                f->time_h[i] = 0.05 * (double)(i + 1);
                f->fault[i] = i >= 8 ? 1 : 0;
                for (size_t c = 0; c < f->ncols; c++)
                    f->cols[c].data[i] = (i + c) % 5 == 2 ? NAN : 100.0 + (double)(i * 3 + c);
            }
            if (tep_pq_write_frame(w, f, &err)) die("cannot write a frame seed", err.message);
        }
        if (tep_pq_writer_close(w, &err)) die("cannot close a frame seed", err.message);
        tep_frame_free(f);
        size_t size;
        uint8_t *file = read_whole(path, &size);
        write_bytes("parquet_file", variant ? "tep_frames_zstd.parquet" : "tep_frames.parquet",
                    file, size, NULL, 0);
        free(file);
        seeds_from_file(path, variant ? "tep_frames_zstd" : "tep_frames");
        unlink(path);
    }
}

/* ---- Braatz -------------------------------------------------------------------------- */

/* `lines` lines of `per_line` short values (the real files hold the same shape with
 * longer numbers), then `spoil`; the option byte first (fuzz_braatz.c). */
static void braatz_seed(const char *seed, uint8_t option, int lines, int per_line,
                        const char *spoil)
{
    size_t cap = (size_t)lines * (size_t)per_line * 8 + 64, n = 0;
    char *text = malloc(cap);
    for (int l = 0; l < lines; l++) {
        for (int v = 0; v < per_line; v++)
            n += (size_t)snprintf(text + n, cap - n, (l + v) % 13 ? "%s%d" : "%s0.%d", v ? " " : "",
                                  (l * 7 + v) % 10);
        text[n++] = '\n';
    }
    if (spoil) n += (size_t)snprintf(text + n, cap - n, "%s", spoil);
    write_bytes("braatz", seed, &option, 1, text, n);
    free(text);
}

/* ---- models ----------------------------------------------------------------------- */

/* Four smooth, correlated synthetic variables. */
static double synthetic(size_t row, size_t var)
{
    return sin(0.3 * (double)row + (double)var) + 0.01 * (double)(row * (var + 1) % 17);
}

static void model_seeds(void)
{
    enum { ROWS = 60, VARS = 4 };
    static const char *const names[VARS] = {"xmeas_1", "xmeas_9", "xmv_3", "xmeas_21"};
    double x[ROWS * VARS];
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < VARS; j++)
            x[i * VARS + j] = synthetic(i, j);
    for (int lags = 0; lags <= 1; lags++) {
        struct tep_pca_options opt;
        tep_pca_options_default(&opt);
        opt.lags = (size_t)lags;
        opt.ncomp = 2;
        opt.var_names = lags ? NULL : names;
        struct tep_pca_model *m = NULL;
        struct tep_error err;
        char *text = NULL;
        if (tep_pca_fit(x, ROWS, VARS, &opt, &m, &err) || !(text = tep_pca_model_to_json(m, &err)))
            die("cannot make a model seed", err.message);
        write_bytes("model_json", lags ? "dpca_lags1.json" : "pca_named.json", text, strlen(text),
                    NULL, 0);
        free(text);
        tep_pca_model_free(m);
    }
}

static void scaler_seeds(void)
{
    static const char *const names[3] = {"xmeas_1", "xmeas_9", "xmv_12"};
    static const int vars[3] = {0, 8, 52};
    for (int method = TEP_PREP_SCALE_ZSCORE; method <= TEP_PREP_SCALE_ROBUST; method += 2) {
        struct tep_error err;
        struct tep_prep_fit_options opt;
        tep_prep_fit_options_init(&opt);
        opt.method = method;
        struct tep_prep_scaler *s = tep_prep_scaler_new(&opt, &err);
        struct tep_frame *f = tep_frame_new(30);
        if (!s || !f) die("cannot make a scaler seed", err.message);
        for (int c = 0; c < 3; c++)
            tep_frame_add_column(f, names[c], vars[c], &err);
        f->nrows = 30;
        for (size_t i = 0; i < f->nrows; i++) {
            f->sample[i] = (int64_t)i + 1;
            f->time_h[i] = 0.05 * (double)(i + 1);
            f->fault[i] = i >= 25;
            for (size_t c = 0; c < 3; c++)
                f->cols[c].data[i] = i % 11 == 4 ? NAN : synthetic(i, c);
        }
        char path[4400];
        snprintf(path, sizeof path, "%s/scaler", corpus);
        mkdir(path, 0777);
        snprintf(path, sizeof path, "%s/scaler/%s.json", corpus,
                 method == TEP_PREP_SCALE_ZSCORE ? "zscore" : "robust");
        if (tep_prep_scaler_fit_chunk(s, f, &err) || tep_prep_scaler_fit_finish(s, &err) ||
            tep_prep_scaler_save(s, path, &err))
            die("cannot make a scaler seed", err.message);
        tep_frame_free(f);
        tep_prep_scaler_free(s);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) die("usage: make_seeds SOURCE_DIR", NULL);
    snprintf(corpus, sizeof corpus, "%s/tests/fuzz/corpus", argv[1]);
    char tmp[] = "/tmp/make_seeds.XXXXXX";
    if (!mkdtemp(tmp)) die("cannot make a temporary folder", NULL);

    writer_seeds(tmp);
    frame_file_seeds(tmp);
    static const char *const duckdb[3] = {"duckdb_v1_snappy", "duckdb_v2_zstd", "duckdb_gzip"};
    for (int i = 0; i < 3; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/tests/data/parquet/%s.parquet", argv[1], duckdb[i]);
        seeds_from_file(path, duckdb[i]);
    }

    /* option byte: bits 0-2 the name (d00.dat, d00_te.dat, d01.dat, d01_te.dat, ...),
     * bits 3-4 chunk_rows */
    braatz_seed("d00_transposed.dat", 0 | 3 << 3, 52, 500, NULL);
    braatz_seed("d01_train.dat", 2 | 2 << 3, 480, 52, NULL);
    braatz_seed("d01_te_test.dat", 3 | 3 << 3, 960, 52, NULL);
    braatz_seed("d01_one_line_too_many.dat", 2 | 3 << 3, 480, 52, "1 2 3\n");
    braatz_seed("d01_te_bad_value.dat", 3 | 1 << 3, 10, 52, "1 2 x3\n");
    braatz_seed("bad_name.dat", 7, 4, 52, NULL);
    model_seeds();
    scaler_seeds();
    rmdir(tmp);
    return 0;
}
