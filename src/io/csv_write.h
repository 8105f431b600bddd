/* csv_write.h - writing TEP samples as CSV (and the Braatz .dat layout).
 *
 * A writer targets a file or stdout ("-") through the atomic output writer
 * (core/atomic_file.h): a file is written under a temporary name in the same
 * folder and renamed into place by tep_csv_writer_close(), so a reader never
 * sees a half-written file and a failed run leaves nothing behind
 * (tep_csv_writer_abort() removes the temporary file); a device or FIFO is
 * written into directly.
 * CSV values are written with %.17g, which round-trips every double exactly.
 */
#ifndef TEP_IO_CSV_WRITE_H
#define TEP_IO_CSV_WRITE_H

#include <stdio.h>

#include "core/error.h"

enum tep_sample_layout {
    TEP_LAYOUT_CSV = 0, /* header sample,time_h,xmeas_1..xmeas_41,xmv_1..xmv_12,fault */
    TEP_LAYOUT_BRAATZ,  /* no header, 52 fixed 16-char fields (XMEAS 1..41, XMV 1..11) */
};

struct tep_csv_writer;

/* Open `path` ("-" = stdout). */
struct tep_csv_writer *tep_csv_writer_open(const char *path, enum tep_sample_layout layout,
                                           struct tep_error *err);

/* Write one sample row: index, time, the 41 XMEAS + 12 XMV values and (CSV only, last
 * column) the fault label: 0 before any disturbance starts, then the lowest active IDV
 * number (struct tep_sample's fault), so a reader labels each row as the simulator did. */
int tep_csv_writer_row(struct tep_csv_writer *w, long index, double time_h, const double xmeas[41],
                       const double xmv[12], int fault, struct tep_error *err);

/* Flush, close and rename into place; frees the writer in every case. */
int tep_csv_writer_close(struct tep_csv_writer *w, struct tep_error *err);

/* Discard: close and remove the temporary file; frees the writer. */
void tep_csv_writer_abort(struct tep_csv_writer *w);

/* Format a double as %.17g into buf (at least 32 bytes); returns the length. */
int tep_format_double(char *buf, double value);

/* Write a 52 x n matrix transposed (variable-major), as d00.dat is stored. Rows are
 * given sample-major: values[r * 52 + c]. */
int tep_braatz_write_transposed(const char *path, const double *values, long nrows,
                                struct tep_error *err);

#endif
