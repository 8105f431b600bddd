/* bench_csv.c - CSV reading speed: tep_reader against a naive fgets+strtok+strtod loop.
 *
 * Writes a CSV of 54 numeric columns (time_h, xmeas_1..41, xmv_1..12), every value
 * printed with %.17g, of about the requested size (default 200 MB), then times on
 * the same file, best of a few passes each: tep_reader_next() in 65536-row chunks,
 * and the naive loop. Also times the bare number conversion (tep_num_parse vs
 * strtod) on the same text. Prints MB/s of CPU time (one core; page cache warm;
 * read() system time included) and the ratios.
 * Usage: bench_csv [megabytes] [path]. Without a path the file goes to $TMPDIR and is
 * deleted afterwards; a given path is kept, and reused when it already exists.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/catalog.h"
#include "io/numparse.h"
#include "io/reader.h"

#define BENCH_PASSES 3

/* CPU time of this thread: the machine may be shared, and a stolen core must not
 * count against the parser (wall time is printed for the file generation only). */
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Plant-like values: each variable's base value with a few percent of noise. */
static long long write_file(const char *path, long long target_bytes, long *rows_out)
{
    FILE *out = fopen(path, "w");
    if (!out) return -1;
    static char iobuf[1 << 20];
    setvbuf(out, iobuf, _IOFBF, sizeof iobuf);
    fputs("time_h", out);
    for (int v = 0; v < TEP_N_VARS; v++)
        fprintf(out, ",%s", tep_catalog[v].name);
    fputc('\n', out);
    uint64_t rng = 1;
    long rows = 0;
    while (ftell(out) < target_bytes) {
        fprintf(out, "%.17g", (double)(rows + 1) * 0.05);
        for (int v = 0; v < TEP_N_VARS; v++) {
            double u = (double)(rng_next(&rng) >> 11) / 9007199254740992.0 - 0.5;
            fprintf(out, ",%.17g", tep_catalog[v].base_value * (1.0 + 0.04 * u));
        }
        fputc('\n', out);
        rows++;
    }
    long long size = ftell(out);
    fclose(out);
    *rows_out = rows;
    return size;
}

static double time_reader(const char *path, long *rows, double *checksum)
{
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(path, NULL, &err);
    if (!r) {
        fprintf(stderr, "open: %s\n", err.message);
        return -1;
    }
    struct tep_frame *f = tep_frame_new(1);
    double t0 = now_s(), sum = 0;
    long n, total = 0;
    while ((n = tep_reader_next(r, f, &err)) > 0) { /* checksum: the last column */
        total += n;
        const double *last = f->cols[f->ncols - 1].data;
        for (long i = 0; i < n; i++)
            sum += last[i];
    }
    double t = now_s() - t0;
    if (n < 0) fprintf(stderr, "read: %s\n", err.message);
    tep_frame_free(f);
    tep_reader_close(r);
    *rows = total;
    *checksum = sum;
    return t;
}

static double time_naive(const char *path, long *rows, double *checksum)
{
    FILE *in = fopen(path, "r");
    if (!in) return -1;
    static char line[1 << 16];
    double values[64], sum = 0, t0 = now_s();
    long total = 0;
    if (!fgets(line, sizeof line, in)) { /* header */
        fclose(in);
        return -1;
    }
    while (fgets(line, sizeof line, in)) {
        int k = 0;
        for (char *tok = strtok(line, ",\n"); tok && k < 64; tok = strtok(NULL, ",\n"))
            values[k++] = strtod(tok, NULL);
        if (k > 0) sum += values[k - 1];
        total++;
    }
    double t = now_s() - t0;
    fclose(in);
    *rows = total;
    *checksum = sum;
    return t;
}

/* Bare conversion over the file's text (in memory): fields split on ',' / '\n'. */
static void time_conversion(const char *path, long long size)
{
    char *text = malloc((size_t)size + 1);
    FILE *in = fopen(path, "r");
    if (!text || !in || fread(text, 1, (size_t)size, in) != (size_t)size) {
        free(text);
        if (in) fclose(in);
        return;
    }
    fclose(in);
    text[size] = '\0';
    char *body = strchr(text, '\n') + 1;
    const char *end = text + size;
    double best_fast = 1e9, best_strtod = 1e9, sum_fast = 0, sum_strtod = 0;
    long numbers = 0;
    for (int pass = 0; pass < BENCH_PASSES; pass++) {
        double t0 = now_s(), sum = 0;
        long count = 0;
        for (const char *p = body; p < end; count++) {
            double v;
            p = tep_num_parse(p, end, &v) + 1;
            sum += v;
        }
        double t = now_s() - t0;
        best_fast = t < best_fast ? t : best_fast;
        sum_fast = sum;
        numbers = count;
        t0 = now_s();
        sum = 0;
        for (char *p = body; p < end;) {
            char *stop;
            sum += strtod(p, &stop);
            p = stop + 1;
        }
        t = now_s() - t0;
        best_strtod = t < best_strtod ? t : best_strtod;
        sum_strtod = sum;
    }
    double mb = (double)(end - body) / 1e6;
    printf("number conversion only: tep_num_parse %.0f MB/s (%.1f ns/number), strtod %.0f MB/s "
           "(%.1f ns/number), ratio %.2fx, results %s\n",
           mb / best_fast, 1e9 * best_fast / (double)numbers, mb / best_strtod,
           1e9 * best_strtod / (double)numbers, best_strtod / best_fast,
           sum_fast == sum_strtod ? "identical" : "DIFFERENT");
    free(text);
}

static long peak_rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib / 1024;
}

int main(int argc, char **argv)
{
    long long megabytes = argc > 1 ? atoll(argv[1]) : 200;
    char path[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s", argc > 2 ? argv[2] : "");
    if (!path[0]) snprintf(path, sizeof path, "%s/bench_csv_%d.csv", tmp ? tmp : "/tmp", getpid());
    bool keep = argc > 2;
    long rows = 0;
    double t0 = wall_s();
    struct stat st;
    long long size;
    if (keep && stat(path, &st) == 0) { /* reuse: count its rows */
        size = (long long)st.st_size;
        double unused;
        time_naive(path, &rows, &unused);
    } else {
        size = write_file(path, megabytes * 1000000LL, &rows);
    }
    if (size < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    printf("file: %s, %.1f MB, %ld rows x 54 columns (%%.17g), ready in %.1f s\n", path,
           (double)size / 1e6, rows, wall_s() - t0);

    double best_reader = 1e9, best_naive = 1e9, sum_reader = 0, sum_naive = 0;
    long rows_reader = 0, rows_naive = 0;
    for (int pass = 0; pass < BENCH_PASSES; pass++) {
        double t = time_reader(path, &rows_reader, &sum_reader);
        if (t >= 0 && t < best_reader) best_reader = t;
        t = time_naive(path, &rows_naive, &sum_naive);
        if (t >= 0 && t < best_naive) best_naive = t;
    }
    long rss = peak_rss_mib();
    double mb = (double)size / 1e6;
    printf("tep_reader (CSV, SHA-256 included): %.2f s CPU, %.0f MB/s, %ld rows\n", best_reader,
           mb / best_reader, rows_reader);
    printf("naive fgets+strtok+strtod:          %.2f s CPU, %.0f MB/s, %ld rows\n", best_naive,
           mb / best_naive, rows_naive);
    printf("speed-up %.2fx; checksums (sum of the last column) %s; peak RSS %ld MiB (file %.0f "
           "MB)\n",
           best_naive / best_reader, sum_reader == sum_naive ? "agree" : "differ", rss, mb);
    time_conversion(path, size);
    if (!keep) unlink(path);
    return rows_reader == rows && rows_naive == rows ? 0 : 1;
}
