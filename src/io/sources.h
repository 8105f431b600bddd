/* sources.h - the collection stage's input plugins (core/stage.h):
 * the simulator in process, and data files (CSV, NDJSON, Braatz .dat, Parquet). */
#ifndef TEP_IO_SOURCES_H
#define TEP_IO_SOURCES_H

#include "core/stage.h"

extern const struct tep_stage_plugin tep_source_simulator_plugin;
extern const struct tep_stage_plugin tep_source_files_plugin;

#endif
