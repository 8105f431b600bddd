/* fuzz_config.c - libFuzzer target: config.yaml as `tep run -c` reads it.
 *
 * Input: the YAML file. tep_pipeline_configure() is tep_pipeline_open() without
 * its side effects: libyaml parsing, the nesting-depth and duplicate-key checks
 * (src/core/config.c), then every section's key table applied - data (files or
 * simulator source), preprocessing steps, storage with each store's keys,
 * analysis, logging - with the type, range and choice checks of each key. A
 * rejected configuration must come with an error message; either way
 * tep_pipeline_close() must free everything (LeakSanitizer).
 */
#include "core/log.h"
#include "fuzz_common.h"
#include "pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(data, size, "config.yaml");
    struct tep_pipeline p;
    struct tep_error err;
    tep_error_clear(&err);
    int rc = tep_pipeline_configure(&p, path, true, &err);
    fuzz_note("configure", &err);
    if (rc != 0 && (err.code == TEP_OK || !err.message[0])) fuzz_die("an error without a message");
    if (rc == 0 && (p.noutputs != 1 || !p.input.plugin || !p.env.chunk_rows))
        fuzz_die("a configuration without its stages");
    tep_pipeline_close(&p);
    tep_log_set_level(TEP_LOG_OFF); /* whatever logging: said */
    return 0;
}
