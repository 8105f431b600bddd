/* bench_csv_wide.c - CSV reading time against the number of columns (issue 9, bug 5).
 *
 * Reading a CSV must take time linear in its size, also when a row has very many
 * fields: a header of N columns (xmeas_1 and N-1 unknown ones, skipped with
 * ignore_unknown_columns) with one plain row, and the same with every field of the
 * data row quoted. For N = 25k, 50k, 100k, 200k it prints the CPU time of
 * tep_reader_open + tep_reader_next and the ratio t(N) / t(N/2): about 2 when the
 * time is linear, about 4 when it is quadratic.
 * Usage: bench_csv_wide [max_columns]   (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/frame.h"
#include "io/reader.h"

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A header of `ncols` columns (xmeas_1 first) and one row: values quoted or not. */
static int write_wide_csv(const char *path, long ncols, int quoted)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("xmeas_1", f);
    for (long c = 1; c < ncols; c++)
        fprintf(f, ",unknown_column_%ld", c);
    fputc('\n', f);
    for (long c = 0; c < ncols; c++)
        fprintf(f, quoted ? "%s\"%ld.5\"" : "%s%ld.5", c ? "," : "", c);
    fputc('\n', f);
    return fclose(f);
}

/* CPU seconds to read the file whole; -1 on a reading error. */
static double time_read(const char *path)
{
    struct tep_reader_options opt = {.ignore_unknown_columns = true};
    struct tep_error err;
    tep_error_clear(&err);
    double t0 = cpu_s();
    struct tep_reader *r = tep_reader_open(path, &opt, &err);
    struct tep_frame *frame = tep_frame_new(0);
    long rows = r && frame ? tep_reader_next(r, frame, &err) : -1;
    double t = cpu_s() - t0;
    bool ok = rows == 1 && frame->ncols == 1 && frame->cols[0].data[0] == 0.5;
    if (!ok) fprintf(stderr, "bench_csv_wide: %s: %s\n", path, err.message);
    tep_frame_free(frame);
    tep_reader_close(r);
    return ok ? t : -1;
}

int main(int argc, char **argv)
{
    long max_cols = argc > 1 ? atol(argv[1]) : 200000;
    char dir[] = "/tmp/bench_csv_wide.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/wide.csv", dir);
    int rc = 0;
    for (int quoted = 0; quoted <= 1 && rc == 0; quoted++) {
        printf("%s data row, ignore_unknown_columns:\n", quoted ? "quoted" : "plain");
        double previous = 0;
        for (long n = max_cols / 8; n <= max_cols && n > 0; n *= 2) {
            if (write_wide_csv(path, n, quoted) != 0) {
                rc = 1;
                break;
            }
            long bytes = 0;
            FILE *f = fopen(path, "r");
            if (f && fseek(f, 0, SEEK_END) == 0) bytes = ftell(f);
            if (f) fclose(f);
            double t = time_read(path);
            if (t < 0) {
                rc = 1;
                break;
            }
            printf("  %7ld columns  %6.2f MB  %8.3f s", n, (double)bytes / 1e6, t);
            if (previous > 0) printf("  ratio to half the columns %.2f", t / previous);
            printf("\n");
            printf("BENCH csv_wide_%s_%ld_s=%.4f\n", quoted ? "quoted" : "plain", n, t);
            previous = t;
        }
    }
    unlink(path);
    rmdir(dir);
    return rc;
}
