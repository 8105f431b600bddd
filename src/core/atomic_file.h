/* atomic_file.h - write a file under a temporary name, then rename it into place
 * (and create the folders it goes in).
 *
 * Readers never see a half-written file, and a failed write leaves no file
 * behind (and an existing file at the path untouched). The temporary file is
 * "<path>.tmp-<pid>-<n>" in the same folder, so the rename is atomic.
 */
#ifndef TEP_CORE_ATOMIC_FILE_H
#define TEP_CORE_ATOMIC_FILE_H

#include <stdio.h>

#include "core/error.h"

struct tep_atomic_file {
    FILE *file;          /* write here */
    char path[4096];     /* final path */
    char temp_path[4200];
};

/* Open a temporary file for `path`. */
int tep_atomic_open(struct tep_atomic_file *af, const char *path, struct tep_error *err);

/* Flush, fsync, close and rename into place. On failure the temporary file is removed. */
int tep_atomic_commit(struct tep_atomic_file *af, struct tep_error *err);

/* Close and remove the temporary file. */
void tep_atomic_discard(struct tep_atomic_file *af);

/* Create the folder `path` and its missing parents (as mkdir -p). */
int tep_make_dirs(const char *path, struct tep_error *err);

#endif
