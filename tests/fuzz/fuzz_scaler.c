/* fuzz_scaler.c - libFuzzer target: the normal-operation model scaler.json
 * (src/prep/scaler.c), which every later `tep run` loads.
 *
 * Input: the JSON file. tep_prep_scaler_load() parses it (jansson) and checks the
 * method, the columns and their statistics. A model it accepts must apply to a
 * frame holding its columns without a sanitizer report, and saved and loaded
 * again it must give the same model (names and every statistic bit for bit).
 */
#include "fuzz_common.h"
#include "prep/scaler.h"

static void check_round_trip(const struct tep_prep_scaler *s)
{
    char path[sizeof fuzz_dir + 32];
    snprintf(path, sizeof path, "%s/saved.json", fuzz_dir);
    struct tep_error err;
    if (tep_prep_scaler_save(s, path, &err) != 0) fuzz_die(err.message);
    struct tep_prep_scaler *again = tep_prep_scaler_load(path, &err);
    unlink(path);
    if (!again) fuzz_die(err.message);
    if (again->method != s->method || again->fit_on != s->fit_on || again->ncols != s->ncols ||
        strcmp(again->reference_run, s->reference_run) != 0)
        fuzz_die("the model changes through a round trip");
    for (size_t c = 0; c < s->ncols; c++) {
        const struct tep_prep_scaler_column *a = &s->cols[c], *b = &again->cols[c];
        if (strcmp(a->name, b->name) != 0 || a->count != b->count ||
            memcmp(&a->mean, &b->mean, sizeof a->mean) || memcmp(&a->std, &b->std, sizeof a->std) ||
            memcmp(&a->min, &b->min, sizeof a->min) || memcmp(&a->max, &b->max, sizeof a->max) ||
            memcmp(&a->median, &b->median, sizeof a->median) ||
            memcmp(&a->mad, &b->mad, sizeof a->mad) || memcmp(&a->q1, &b->q1, sizeof a->q1) ||
            memcmp(&a->q3, &b->q3, sizeof a->q3))
            fuzz_die("a column changes through a round trip");
    }
    tep_prep_scaler_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(data, size, "scaler.json");
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_scaler *s = tep_prep_scaler_load(path, &err);
    if (!s) {
        fuzz_note("load", &err);
        if (err.code == TEP_OK || !err.message[0]) fuzz_die("an error without a message");
        return 0;
    }
    struct tep_frame *frame = tep_frame_new(4);
    if (!frame) fuzz_die("out of memory");
    bool added = true;
    for (size_t c = 0; c < s->ncols && added; c++)
        added = tep_frame_add_column(frame, s->cols[c].name, s->cols[c].var, &err) >= 0;
    if (added) {
        frame->nrows = 4;
        for (size_t c = 0; c < frame->ncols; c++)
            for (size_t i = 0; i < 4; i++)
                frame->cols[c].data[i] = i == 3 ? NAN : (double)i - 1.5;
        if (tep_prep_scaler_apply(s, frame, &err) == 0) tep_prep_scaler_inverse(s, frame, &err);
    }
    tep_frame_free(frame);
    check_round_trip(s);
    tep_prep_scaler_free(s);
    return 0;
}
