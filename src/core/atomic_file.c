/* atomic_file.c - temporary-file-then-rename writes (see atomic_file.h). */
#include "core/atomic_file.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_long temp_counter;

int tep_atomic_open(struct tep_atomic_file *af, const char *path, struct tep_error *err)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path)
        return tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0, "output path is too long");
    snprintf(af->path, sizeof af->path, "%s", path);
    snprintf(af->temp_path, sizeof af->temp_path, "%s.tmp-%ld-%ld", path, (long)getpid(),
             (long)atomic_fetch_add(&temp_counter, 1));
    af->file = fopen(af->temp_path, "w");
    if (!af->file) return tep_error_set_errno(err, TEP_ERR_IO, "cannot create output file", path);
    return 0;
}

int tep_atomic_commit(struct tep_atomic_file *af, struct tep_error *err)
{
    int rc = 0;
    if (fflush(af->file) != 0 || ferror(af->file) || fsync(fileno(af->file)) != 0) {
        rc = tep_error_set_errno(err, TEP_ERR_IO, "write failed", af->path);
        fclose(af->file);
        unlink(af->temp_path);
    } else if (fclose(af->file) != 0) {
        rc = tep_error_set_errno(err, TEP_ERR_IO, "close failed", af->path);
        unlink(af->temp_path);
    } else if (rename(af->temp_path, af->path) != 0) {
        rc = tep_error_set_errno(err, TEP_ERR_IO, "cannot move the finished file into place",
                                 af->path);
        unlink(af->temp_path);
    }
    af->file = NULL;
    return rc;
}

void tep_atomic_discard(struct tep_atomic_file *af)
{
    if (!af->file) return;
    fclose(af->file);
    unlink(af->temp_path);
    af->file = NULL;
}

int tep_make_dirs(const char *path, struct tep_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return tep_error_set_at(err, TEP_ERR_IO, path, 0, 0, "path too long");
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return tep_error_set_errno(err, TEP_ERR_IO, "cannot create folder", buf);
        *s = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot create folder", buf);
    return 0;
}
