/* fuzz_braatz.c - libFuzzer target: the Braatz .dat reader (src/io/braatz_read.c).
 *
 * Input: one option byte, then the file. The option byte picks the file name
 * (bits 0-2; the reader takes the fault and the expected shape from it: d00.dat is
 * 52 x 500 transposed, dNN.dat 480 x 52, dNN_te.dat 960 x 52, and names that are
 * no Braatz name), chunk_rows (bits 3-4: 1, 2, 5 or 64), nan_text_is_missing
 * (bit 5) and a max_line_bytes of 64 (bit 6). Covers whitespace splitting, the
 * shape checks, transposition, labels and every error path.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const char *const names[8] = {"d00.dat",    "d00_te.dat", "d01.dat", "d01_te.dat",
                                         "d21_te.dat", "D05_TE.DAT", "d22.dat", "data.dat"};
    uint8_t o = data[0];
    struct tep_reader_options opt = {
        .format = TEP_FORMAT_DAT,
        .chunk_rows = fuzz_chunk_rows((o >> 3) & 3),
        .max_line_bytes = (o & 0x40) ? 64 : 0,
        .nan_text_is_missing = (o >> 5) & 1,
    };
    fuzz_read_file(fuzz_input_path(data + 1, size - 1, names[o & 7]), &opt);
    return 0;
}
