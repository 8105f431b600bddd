/* fuzz_common.h - helpers shared by the libFuzzer targets of tests/fuzz.
 *
 * The readers take a path, so fuzz_input_path() puts the input in one in-memory
 * file (memfd) per process and returns a path to it under the file name the reader
 * needs (Braatz files take their fault from the name): a symbolic link in a
 * per-process temporary folder, removed at exit. fuzz_read_file() reads a file twice,
 * in chunks of two sizes, and checks what every reader promises: bounded chunks, no
 * infinite values, sticky errors, a clean end, and the same rows or the same error
 * whatever the chunk size. A broken promise aborts (libFuzzer reports a crash);
 * a reader's error return is an ordinary outcome. With TEP_FUZZ_VERBOSE=1 in the
 * environment the harnesses print each error (to see what a seed exercises).
 */
#ifndef TEP_FUZZ_COMMON_H
#define TEP_FUZZ_COMMON_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/frame.h"
#include "io/reader.h"

static int fuzz_memfd = -1;
static int fuzz_verbose = -1;
static char fuzz_dir[64];
static char fuzz_links[16][64]; /* names linked so far, removed at exit */
static int fuzz_nlinks;

static inline void fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz harness: %s\n", what);
    abort();
}

/* Print `err` when TEP_FUZZ_VERBOSE is set. */
static inline void fuzz_note(const char *what, const struct tep_error *err)
{
    if (fuzz_verbose < 0) fuzz_verbose = getenv("TEP_FUZZ_VERBOSE") != NULL;
    if (fuzz_verbose) fprintf(stderr, "%s: %s\n", what, err->code ? err->message : "ok");
}

static inline void fuzz_cleanup(void)
{
    char path[160];
    for (int i = 0; i < fuzz_nlinks; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, fuzz_links[i]);
        unlink(path);
    }
    if (fuzz_dir[0]) rmdir(fuzz_dir);
}

/* Path of a file called `name` that holds exactly data[0, size). */
static inline const char *fuzz_input_path(const uint8_t *data, size_t size, const char *name)
{
    static char path[160];
    if (fuzz_memfd < 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/tep-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        fuzz_memfd = memfd_create("tep-fuzz-input", 0);
        if (fuzz_memfd < 0 || !mkdtemp(fuzz_dir)) fuzz_die("cannot create the input file");
        atexit(fuzz_cleanup);
    }
    if (ftruncate(fuzz_memfd, 0) != 0) fuzz_die("ftruncate failed");
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fuzz_memfd, data + done, size - done, (off_t)done);
        if (n <= 0) fuzz_die("pwrite failed");
        done += (size_t)n;
    }
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    int known = 0;
    for (int i = 0; i < fuzz_nlinks; i++)
        known |= strcmp(fuzz_links[i], name) == 0;
    if (!known) {
        char target[64];
        snprintf(target, sizeof target, "/proc/%d/fd/%d", (int)getpid(), fuzz_memfd);
        if (fuzz_nlinks == 16 || strlen(name) >= sizeof fuzz_links[0] ||
            (symlink(target, path) != 0 && errno != EEXIST))
            fuzz_die("cannot link the input file");
        snprintf(fuzz_links[fuzz_nlinks++], sizeof fuzz_links[0], "%s", name);
    }
    return path;
}

/* Chunk sizes the option bits choose from (index 0..3): single rows up to a few runs. */
static inline size_t fuzz_chunk_rows(unsigned index)
{
    static const size_t rows[4] = {1, 2, 5, 64};
    return rows[index & 3];
}

/* What reading a file gave: a digest of every row (run id, keys, column names and
 * values, bit for bit) and of the lineage, or the error. */
struct fuzz_outcome {
    uint64_t digest;
    long long rows;
    struct tep_error err; /* code TEP_OK when the whole file was read */
};

static inline void fuzz_mix(uint64_t *h, const void *data, size_t n)
{
    const unsigned char *p = data; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ p[i]) * 0x100000001b3ULL;
}

/* Read every chunk of `r` and check the reader's promises; closes r. */
static inline void fuzz_read_all(struct tep_reader *r, size_t chunk_rows, struct fuzz_outcome *out)
{
    struct tep_frame *frame = tep_frame_new(0);
    if (!frame) fuzz_die("out of memory");
    struct tep_error err;
    uint64_t h = 0xcbf29ce484222325ULL;
    long long total = 0;
    long n;
    for (;;) {
        tep_error_clear(&err);
        n = tep_reader_next(r, frame, &err);
        if (n <= 0) break;
        if ((size_t)n > chunk_rows || frame->nrows != (size_t)n) fuzz_die("chunk size broken");
        for (size_t c = 0; c < frame->ncols; c++) {
            if (total == 0) fuzz_mix(&h, frame->cols[c].name, strlen(frame->cols[c].name) + 1);
            for (size_t i = 0; i < frame->nrows; i++)
                if (isinf(frame->cols[c].data[i])) fuzz_die("an infinite value was read");
        }
        for (size_t i = 0; i < frame->nrows; i++) {
            if (!isfinite(frame->time_h[i]) || frame->sample[i] < 0 || frame->fault[i] < 0)
                fuzz_die("bad keys");
            fuzz_mix(&h, frame->run_id, strlen(frame->run_id) + 1);
            fuzz_mix(&h, &frame->sample[i], sizeof frame->sample[i]);
            fuzz_mix(&h, &frame->time_h[i], sizeof frame->time_h[i]);
            fuzz_mix(&h, &frame->fault[i], sizeof frame->fault[i]);
            for (size_t c = 0; c < frame->ncols; c++)
                fuzz_mix(&h, &frame->cols[c].data[i], sizeof(double));
        }
        total += n;
    }
    fuzz_note("read", &err);
    if (n < 0) {
        if (err.code == TEP_OK || !err.message[0]) fuzz_die("an error without a message");
        struct tep_error again;
        tep_error_clear(&again);
        if (tep_reader_next(r, frame, &again) != -1 || strcmp(again.message, err.message) != 0)
            fuzz_die("the error is not repeated");
    } else {
        if (tep_reader_next(r, frame, &err) != 0) fuzz_die("rows after the end");
        const struct tep_lineage *l = tep_reader_lineage(r);
        if (l->rows_read != total) fuzz_die("lineage rows_read is wrong");
        fuzz_mix(&h, &l->runs_read, sizeof l->runs_read);
        fuzz_mix(&h, &l->fault, sizeof l->fault);
        fuzz_mix(&h, &l->fault_onset_h, sizeof l->fault_onset_h);
        fuzz_mix(&h, l->sha256, sizeof l->sha256);
    }
    out->digest = h;
    out->rows = total;
    out->err = err;
    tep_frame_free(frame);
    tep_reader_close(r);
}

/* Open `path` with `opt` and read it whole; an open error must carry a message. */
static inline void fuzz_read_once(const char *path, const struct tep_reader_options *opt,
                                  struct fuzz_outcome *out)
{
    memset(out, 0, sizeof *out);
    tep_error_clear(&out->err);
    struct tep_reader *r = tep_reader_open(path, opt, &out->err);
    if (r) {
        fuzz_read_all(r, opt->chunk_rows, out);
        return;
    }
    fuzz_note("open", &out->err);
    if (out->err.code == TEP_OK || !out->err.message[0])
        fuzz_die("an open error without a message");
}

/* Read `path` twice, in chunks of opt->chunk_rows and of another size: the chunk size
 * must change nothing - the same rows, values and lineage, or the same error. */
static inline void fuzz_read_file(const char *path, const struct tep_reader_options *opt)
{
    struct fuzz_outcome a, b;
    struct tep_reader_options other = *opt;
    other.chunk_rows = opt->chunk_rows == 1 ? 64 : 1;
    fuzz_read_once(path, opt, &a);
    fuzz_read_once(path, &other, &b);
    if (a.err.code != b.err.code || strcmp(a.err.message, b.err.message) != 0 ||
        a.err.line != b.err.line || a.err.column != b.err.column) {
        fprintf(stderr, "chunks of %zu: %s\nchunks of %zu: %s\n", opt->chunk_rows,
                a.err.code ? a.err.message : "ok", other.chunk_rows,
                b.err.code ? b.err.message : "ok");
        fuzz_die("the chunk size changes the outcome");
    }
    if (a.err.code == TEP_OK && (a.rows != b.rows || a.digest != b.digest))
        fuzz_die("the chunk size changes the rows read");
}

#endif
