/* csv_write.c - CSV / Braatz .dat writers on the atomic output writer (see csv_write.h). */
#include "io/csv_write.h"

#include <stdlib.h>

#include "core/atomic_file.h"
#include "core/catalog.h"

#define CSV_BUFFER_SIZE (1 << 20)

struct tep_csv_writer {
    struct tep_atomic_file out; /* where rows go: out.file (a file, a device, or stdout) */
    enum tep_sample_layout layout;
    char *buffer;               /* out.file's stdio buffer; freed after it is closed */
};

int tep_format_double(char *buf, double value) { return snprintf(buf, 32, "%.17g", value); }

struct tep_csv_writer *tep_csv_writer_open(const char *path, enum tep_sample_layout layout,
                                           struct tep_error *err)
{
    struct tep_csv_writer *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->layout = layout;
    w->out.fd = -1;
    w->buffer = malloc(CSV_BUFFER_SIZE);
    if (!w->buffer) goto nomem;
    if (tep_atomic_open(&w->out, path, 0, err) != 0) goto fail;
    /* A stream of our own (stdout too: a duplicate of its descriptor), so the
     * buffer is set before any I/O on it and is freed only after it is closed. */
    setvbuf(w->out.file, w->buffer, _IOFBF, CSV_BUFFER_SIZE);
    if (layout == TEP_LAYOUT_CSV) {
        fputs("sample,time_h", w->out.file);
        for (int v = 0; v < TEP_N_VARS; v++) fprintf(w->out.file, ",%s", tep_catalog[v].name);
        fputs(",fault\n", w->out.file);
    }
    return w;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory opening '%s'", path);
fail:
    if (w) {
        tep_atomic_discard(&w->out);
        free(w->buffer);
        free(w);
    }
    return NULL;
}

int tep_csv_writer_row(struct tep_csv_writer *w, long index, double time_h, const double xmeas[41],
                       const double xmv[12], int fault, struct tep_error *err)
{
    char line[64 * 56];
    size_t n = 0;
    if (w->layout == TEP_LAYOUT_CSV) {
        n += (size_t)snprintf(line, sizeof line, "%ld,", index);
        n += (size_t)tep_format_double(line + n, time_h);
        for (int i = 0; i < 41; i++) {
            line[n++] = ',';
            n += (size_t)tep_format_double(line + n, xmeas[i]);
        }
        for (int i = 0; i < 12; i++) {
            line[n++] = ',';
            n += (size_t)tep_format_double(line + n, xmv[i]);
        }
        n += (size_t)snprintf(line + n, sizeof line - n, ",%d", fault);
    } else {
        for (int i = 0; i < 41; i++) n += (size_t)snprintf(line + n, 17, "%16.7e", xmeas[i]);
        for (int i = 0; i < 11; i++) n += (size_t)snprintf(line + n, 17, "%16.7e", xmv[i]);
    }
    line[n++] = '\n';
    return tep_atomic_write(&w->out, line, n, err);
}

int tep_csv_writer_close(struct tep_csv_writer *w, struct tep_error *err)
{
    int rc = tep_atomic_commit(&w->out, err);
    free(w->buffer);
    free(w);
    return rc;
}

void tep_csv_writer_abort(struct tep_csv_writer *w)
{
    if (!w) return;
    tep_atomic_discard(&w->out);
    free(w->buffer);
    free(w);
}

int tep_braatz_write_transposed(const char *path, const double *values, long nrows,
                                struct tep_error *err)
{
    struct tep_atomic_file out;
    if (tep_atomic_open(&out, path, 0, err) != 0) return -1;
    for (int c = 0; c < 52; c++) {
        for (long r = 0; r < nrows; r++) fprintf(out.file, "%16.7e", values[r * 52 + c]);
        fputc('\n', out.file);
    }
    return tep_atomic_commit(&out, err);
}
