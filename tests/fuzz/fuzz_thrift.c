/* fuzz_thrift.c - libFuzzer target: the Thrift compact decoder (src/io/thrift_compact.c).
 *
 * Input: bytes taken as a Thrift struct in the compact protocol (what Parquet
 * footers and page headers are). The struct is walked with the typed readers
 * (field headers with id deltas, integers of every width, doubles, binaries,
 * lists, sets, nested structs; maps and uuids skipped), as the Parquet reader
 * does, and separately skipped whole with tep_tc_skip(). Both must stay inside
 * the input (ASan) and respect the depth limit; when the walk succeeds, the skip
 * must succeed too and consume exactly the same bytes. A failure must carry a
 * message. Then the input is walked again as a list of structs (the footer's
 * row_groups and schema are lists).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/thrift_compact.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_thrift: %s\n", what);
    abort();
}

static int walk_value(struct tep_tc_decoder *d, int type);

static int walk_struct(struct tep_tc_decoder *d)
{
    if (tep_tc_struct_begin_read(d)) return -1;
    int16_t last = 0;
    for (;;) {
        struct tep_tc_field f;
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        if (walk_value(d, f.type)) return -1;
    }
    tep_tc_struct_end_read(d);
    return 0;
}

static int walk_list(struct tep_tc_decoder *d, int type)
{
    const uint8_t *at = d->pos;
    int elem;
    size_t count;
    if (tep_tc_read_list_begin(d, type, "list", &elem, &count)) return -1;
    if (elem == TEP_TC_BOOL_TRUE || elem == TEP_TC_BOOL_FALSE) {
        d->pos = at; /* bool elements take a byte each: only the skipper reads them */
        return tep_tc_skip(d, type);
    }
    if (tep_tc_struct_begin_read(d)) return -1; /* a list is a level, as tep_tc_skip counts */
    for (size_t i = 0; i < count; i++)
        if (walk_value(d, elem)) return -1;
    tep_tc_struct_end_read(d);
    return 0;
}

static int walk_value(struct tep_tc_decoder *d, int type)
{
    int32_t i32;
    int64_t i64;
    bool b;
    double x;
    const uint8_t *bytes;
    size_t len;
    switch (type) {
    case TEP_TC_BOOL_TRUE:
    case TEP_TC_BOOL_FALSE:
        return tep_tc_read_bool(d, type, "bool", &b);
    case TEP_TC_I8:
    case TEP_TC_I16:
    case TEP_TC_I32:
        return tep_tc_read_i32(d, type, "i32", &i32);
    case TEP_TC_I64:
        return tep_tc_read_i64(d, type, "i64", &i64);
    case TEP_TC_DOUBLE:
        return tep_tc_read_double(d, type, "double", &x);
    case TEP_TC_BINARY:
        return tep_tc_read_binary(d, type, "binary", &bytes, &len);
    case TEP_TC_LIST:
    case TEP_TC_SET:
        return walk_list(d, type);
    case TEP_TC_STRUCT:
        return walk_struct(d);
    default:
        return tep_tc_skip(d, type);
    }
}

static void check_failure(int rc, const struct tep_error *err)
{
    if (rc != 0 && (err->code == TEP_OK || !err->message[0])) fail("an error without a message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exactly the input: overreads are ASan errors */
    if (!copy) abort();
    memcpy(copy, data, size);
    struct tep_error err;
    struct tep_tc_decoder walker, skipper;
    tep_error_clear(&err);
    tep_tc_decoder_init(&walker, copy, size, 100, "fuzz", "struct", &err);
    int walked = walk_struct(&walker);
    check_failure(walked, &err);
    tep_error_clear(&err);
    tep_tc_decoder_init(&skipper, copy, size, 100, "fuzz", "struct", &err);
    int skipped = tep_tc_skip(&skipper, TEP_TC_STRUCT);
    check_failure(skipped, &err);
    if (walked == 0 && (skipped != 0 || tep_tc_consumed(&walker) != tep_tc_consumed(&skipper)))
        fail("the walk and the skip disagree");
    if (walker.depth != 0 && walked == 0) fail("depth not restored");

    tep_error_clear(&err);
    tep_tc_decoder_init(&walker, copy, size, 0, NULL, "list", &err);
    check_failure(walk_list(&walker, TEP_TC_LIST), &err);
    free(copy);
    return 0;
}
