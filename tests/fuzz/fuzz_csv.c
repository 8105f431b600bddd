/* fuzz_csv.c - libFuzzer target: the CSV reader (src/io/csv_read.c, reader.c).
 *
 * Input: one option byte, then the file. The option byte sets
 * ignore_unknown_columns (bit 0), nan_text_is_missing (bit 1), chunk_rows (bits
 * 2-3: 1, 2, 5 or 64), the delimiter (bits 4-5: detect, ',', ';', tab) and a
 * max_line_bytes of 64 (bit 6). Covers header mapping and delimiter detection,
 * RFC 4180 quoting with line ends inside quotes, the fast unquoted path and the
 * number parser behind it, key columns, run changes and chunking, and every error
 * path (which must return -1 with a message, then repeat it).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const char delimiters[4] = {0, ',', ';', '\t'};
    uint8_t o = data[0];
    struct tep_reader_options opt = {
        .format = TEP_FORMAT_CSV,
        .delimiter = delimiters[(o >> 4) & 3],
        .chunk_rows = fuzz_chunk_rows((o >> 2) & 3),
        .max_line_bytes = (o & 0x40) ? 64 : 0,
        .ignore_unknown_columns = o & 1,
        .nan_text_is_missing = (o >> 1) & 1,
    };
    fuzz_read_file(fuzz_input_path(data + 1, size - 1, "input.csv"), &opt);
    return 0;
}
