/* fuzz_ndjson.c - libFuzzer target: the NDJSON reader (src/io/ndjson_read.c, reader.c).
 *
 * Input: one option byte, then the file. The option byte sets
 * ignore_unknown_columns (bit 0), nan_text_is_missing (bit 1), chunk_rows (bits
 * 2-3: 1, 2, 5 or 64) and a max_line_bytes of 64 (bit 6). Covers the flat-object
 * parser (strings with escapes and \u sequences, numbers, null, nesting rejected),
 * key matching against the first record, key columns, run changes, chunking and
 * every error path (which must return -1 with a message, then repeat it).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t o = data[0];
    struct tep_reader_options opt = {
        .format = TEP_FORMAT_JSON,
        .chunk_rows = fuzz_chunk_rows((o >> 2) & 3),
        .max_line_bytes = (o & 0x40) ? 64 : 0,
        .ignore_unknown_columns = o & 1,
        .nan_text_is_missing = (o >> 1) & 1,
    };
    fuzz_read_file(fuzz_input_path(data + 1, size - 1, "input.ndjson"), &opt);
    return 0;
}
