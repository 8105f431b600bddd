/* unzstd.c - build-time helper: decompress one tests/data file (zstd) into the build tree.
 *
 * Usage: tep_unzstd IN.zst OUT. The reference data the tests compare against are kept
 * compressed in the repository (tests/data/README.md); CMake runs this tool for each of
 * them, so tests read plain files under $TEP_BUILD_DIR/testdata. It uses libzstd's
 * streaming API (a dependency of tep already) and writes OUT through a temporary file in
 * the same folder, renamed only when the whole frame decoded: an interrupted build never
 * leaves a truncated file that looks finished. OUT gets the mode of any created file,
 * 0666 & ~umask (mkstemp makes its temporary 0600).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static int decompress(FILE *in, FILE *out, const char *in_path)
{
    size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
    void *in_buf = malloc(in_cap), *out_buf = malloc(out_cap);
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    size_t pending = 0, got;
    int rc = -1;
    if (!in_buf || !out_buf || !dctx) {
        fprintf(stderr, "unzstd: %s: out of memory\n", in_path);
        goto fail;
    }
    while ((got = fread(in_buf, 1, in_cap, in)) > 0) {
        ZSTD_inBuffer input = {in_buf, got, 0};
        while (input.pos < input.size) {
            ZSTD_outBuffer output = {out_buf, out_cap, 0};
            pending = ZSTD_decompressStream(dctx, &output, &input);
            if (ZSTD_isError(pending)) {
                fprintf(stderr, "unzstd: %s: %s\n", in_path, ZSTD_getErrorName(pending));
                goto fail;
            }
            if (fwrite(out_buf, 1, output.pos, out) != output.pos) {
                fprintf(stderr, "unzstd: writing the output of %s: %s\n", in_path, strerror(errno));
                goto fail;
            }
        }
    }
    if (ferror(in)) {
        fprintf(stderr, "unzstd: %s: read error: %s\n", in_path, strerror(errno));
        goto fail;
    }
    if (pending != 0) {
        fprintf(stderr, "unzstd: %s: truncated (the zstd frame does not end)\n", in_path);
        goto fail;
    }
    rc = 0;
fail:
    ZSTD_freeDCtx(dctx);
    free(in_buf);
    free(out_buf);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tep_unzstd IN.zst OUT\n");
        return 2;
    }
    const char *in_path = argv[1], *out_path = argv[2];
    FILE *in = NULL, *out = NULL;
    char tmp[4096];
    int fd = -1, rc = 1, created = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out_path) >= (int)sizeof tmp) {
        fprintf(stderr, "unzstd: %s: path too long\n", out_path);
        return 1;
    }
    in = fopen(in_path, "rb");
    if (!in) {
        fprintf(stderr, "unzstd: cannot open %s: %s\n", in_path, strerror(errno));
        goto fail;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "unzstd: cannot create %s: %s\n", tmp, strerror(errno));
        goto fail;
    }
    created = 1;
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        fprintf(stderr, "unzstd: cannot set the mode of %s: %s\n", tmp, strerror(errno));
        goto fail;
    }
    out = fdopen(fd, "wb");
    if (!out) {
        fprintf(stderr, "unzstd: %s: %s\n", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (decompress(in, out, in_path) != 0) goto fail;
    if (fclose(out) != 0) {
        out = NULL;
        fprintf(stderr, "unzstd: writing %s: %s\n", tmp, strerror(errno));
        goto fail;
    }
    out = NULL;
    if (rename(tmp, out_path) != 0) {
        fprintf(stderr, "unzstd: cannot rename %s to %s: %s\n", tmp, out_path, strerror(errno));
        goto fail;
    }
    rc = 0;
fail:
    if (out) fclose(out);
    if (fd >= 0) close(fd);
    if (rc != 0 && created) unlink(tmp);
    if (in) fclose(in);
    return rc;
}
