/* csv_write.c - CSV / Braatz .dat writers with write-to-temp-then-rename (see csv_write.h). */
#include "io/csv_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/catalog.h"

struct tep_csv_writer {
    struct tep_atomic_file out; /* file output; out.file == NULL for stdout */
    FILE *file;                 /* where rows go: out.file or stdout */
    enum tep_sample_layout layout;
    char *buffer;               /* stdio buffer */
};

int tep_format_double(char *buf, double value) { return snprintf(buf, 32, "%.17g", value); }

struct tep_csv_writer *tep_csv_writer_open(const char *path, enum tep_sample_layout layout,
                                           struct tep_error *err)
{
    struct tep_csv_writer *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->layout = layout;
    if (strcmp(path, "-") == 0) {
        w->file = stdout;
    } else {
        if (tep_atomic_open(&w->out, path, err) != 0) goto fail;
        w->file = w->out.file;
    }
    w->buffer = malloc(1 << 20);
    if (!w->buffer) goto nomem;
    setvbuf(w->file, w->buffer, _IOFBF, 1 << 20);
    if (layout == TEP_LAYOUT_CSV) {
        fputs("sample,time_h", w->file);
        for (int v = 0; v < TEP_N_VARS; v++) fprintf(w->file, ",%s", tep_catalog[v].name);
        fputs(",fault\n", w->file);
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
    if (fwrite(line, 1, n, w->file) != n)
        return tep_error_set_errno(err, TEP_ERR_IO, "write failed",
                                   w->out.file ? w->out.path : "(stdout)");
    return 0;
}

int tep_csv_writer_close(struct tep_csv_writer *w, struct tep_error *err)
{
    int rc = 0;
    if (w->file == stdout) {
        if (fflush(stdout) != 0) rc = tep_error_set_errno(err, TEP_ERR_IO, "write failed", "(stdout)");
        setvbuf(stdout, NULL, _IOLBF, 0);
    } else {
        rc = tep_atomic_commit(&w->out, err);
    }
    free(w->buffer);
    free(w);
    return rc;
}

void tep_csv_writer_abort(struct tep_csv_writer *w)
{
    if (!w) return;
    if (w->file == stdout) {
        fflush(stdout);
        setvbuf(stdout, NULL, _IOLBF, 0);
    } else {
        tep_atomic_discard(&w->out);
    }
    free(w->buffer);
    free(w);
}

int tep_braatz_write_transposed(const char *path, const double *values, long nrows,
                                struct tep_error *err)
{
    struct tep_atomic_file out;
    if (tep_atomic_open(&out, path, err) != 0) return -1;
    for (int c = 0; c < 52; c++) {
        for (long r = 0; r < nrows; r++) fprintf(out.file, "%16.7e", values[r * 52 + c]);
        fputc('\n', out.file);
    }
    return tep_atomic_commit(&out, err);
}
