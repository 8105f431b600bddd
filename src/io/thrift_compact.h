/* thrift_compact.h - Thrift compact protocol encoder and bounds-checked decoder.
 *
 * Parquet stores its footer (FileMetaData) and every page header as Thrift
 * structs in the compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md):
 * zigzag + ULEB128 varints, field headers holding a 4-bit id delta and a 4-bit
 * type, list headers holding a 4-bit size and element type, binaries prefixed
 * by a varint length, doubles as 8 little-endian bytes.
 *
 * The encoder appends to a growable buffer and records the first failure in
 * `failed` (checked once by the caller). The decoder never reads outside
 * [start, end), caps nesting depth, can skip any field it does not know, and
 * reports "what was expected, at which byte offset of which file" on error.
 */
#ifndef TEP_IO_THRIFT_COMPACT_H
#define TEP_IO_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Wire type ids of the compact protocol (field headers and list elements). */
enum tep_tc_type {
    TEP_TC_STOP = 0,
    TEP_TC_BOOL_TRUE = 1, /* field header only; list elements use 1 or 2 + one byte */
    TEP_TC_BOOL_FALSE = 2,
    TEP_TC_I8 = 3,
    TEP_TC_I16 = 4,
    TEP_TC_I32 = 5,
    TEP_TC_I64 = 6,
    TEP_TC_DOUBLE = 7,
    TEP_TC_BINARY = 8,
    TEP_TC_LIST = 9,
    TEP_TC_SET = 10,
    TEP_TC_MAP = 11,
    TEP_TC_STRUCT = 12,
    TEP_TC_UUID = 13,
};

/* Nesting limit for both directions (structs, lists, maps). */
#define TEP_TC_MAX_DEPTH 32

/* ---- encoder ---------------------------------------------------------- */

struct tep_tc_encoder {
    uint8_t *data;
    size_t len;
    size_t cap;
    int16_t last_field_id[TEP_TC_MAX_DEPTH]; /* per open struct, for id deltas */
    int depth;                               /* open structs */
    bool failed;                             /* out of memory or nesting too deep */
};

void tep_tc_encoder_init(struct tep_tc_encoder *enc);
/* Forget the contents, keep the allocation. */
void tep_tc_encoder_reset(struct tep_tc_encoder *enc);
void tep_tc_encoder_free(struct tep_tc_encoder *enc);

/* Open / close a struct (the top-level one, or a list element). */
void tep_tc_struct_begin(struct tep_tc_encoder *enc);
void tep_tc_struct_end(struct tep_tc_encoder *enc);

/* Fields of the innermost open struct. */
void tep_tc_field_i32(struct tep_tc_encoder *enc, int16_t id, int32_t value);
void tep_tc_field_i64(struct tep_tc_encoder *enc, int16_t id, int64_t value);
void tep_tc_field_bool(struct tep_tc_encoder *enc, int16_t id, bool value);
void tep_tc_field_double(struct tep_tc_encoder *enc, int16_t id, double value);
void tep_tc_field_binary(struct tep_tc_encoder *enc, int16_t id, const void *data, size_t len);
void tep_tc_field_string(struct tep_tc_encoder *enc, int16_t id, const char *text);
/* A struct-valued field: writes the header and opens the struct (close with struct_end). */
void tep_tc_field_struct_begin(struct tep_tc_encoder *enc, int16_t id);
/* A list-valued field: header, then `count` elements written with the element
 * functions below (struct elements with tep_tc_struct_begin/end). */
void tep_tc_field_list_begin(struct tep_tc_encoder *enc, int16_t id, enum tep_tc_type elem_type,
                             size_t count);

/* List elements. */
void tep_tc_elem_i32(struct tep_tc_encoder *enc, int32_t value);
void tep_tc_elem_i64(struct tep_tc_encoder *enc, int64_t value);
void tep_tc_elem_binary(struct tep_tc_encoder *enc, const void *data, size_t len);
void tep_tc_elem_string(struct tep_tc_encoder *enc, const char *text);

/* ---- decoder ---------------------------------------------------------- */

struct tep_tc_decoder {
    const uint8_t *start; /* first byte of the encoded region */
    const uint8_t *pos;   /* next byte to read */
    const uint8_t *end;   /* one past the last readable byte */
    uint64_t file_offset; /* offset of `start` in the file, for messages */
    const char *file;     /* file name for messages (may be NULL) */
    const char *what;     /* "footer", "page header", ... for messages */
    int depth;
    struct tep_error *err;
};

/* One field header as read: type STOP means the struct has ended. */
struct tep_tc_field {
    int type;   /* enum tep_tc_type */
    int16_t id; /* field id */
};

void tep_tc_decoder_init(struct tep_tc_decoder *dec, const uint8_t *data, size_t len,
                         uint64_t file_offset, const char *file, const char *what,
                         struct tep_error *err);

/* Struct framing: call struct_begin, then read_field until the type is STOP,
 * then struct_end. `last_id` is the caller's per-struct id state (start at 0). */
int tep_tc_struct_begin_read(struct tep_tc_decoder *dec);
void tep_tc_struct_end_read(struct tep_tc_decoder *dec);
int tep_tc_read_field(struct tep_tc_decoder *dec, int16_t *last_id, struct tep_tc_field *field);

/* Typed values. `type` is the wire type from the field header or list header;
 * `name` names the field in error messages ("ColumnMetaData.codec"). */
int tep_tc_read_i32(struct tep_tc_decoder *dec, int type, const char *name, int32_t *out);
int tep_tc_read_i64(struct tep_tc_decoder *dec, int type, const char *name, int64_t *out);
int tep_tc_read_bool(struct tep_tc_decoder *dec, int type, const char *name, bool *out);
int tep_tc_read_double(struct tep_tc_decoder *dec, int type, const char *name, double *out);
/* Binary / string: `*data` points into the decoded region (no copy). */
int tep_tc_read_binary(struct tep_tc_decoder *dec, int type, const char *name,
                       const uint8_t **data, size_t *len);
/* List / set header: element type and count (count is checked against the bytes left). */
int tep_tc_read_list_begin(struct tep_tc_decoder *dec, int type, const char *name,
                           int *elem_type, size_t *count);
/* A struct-valued field or element: checks the type, then opens it. */
int tep_tc_read_struct_begin(struct tep_tc_decoder *dec, int type, const char *name);

/* Skip one value of wire type `type` (any nesting, depth-limited). */
int tep_tc_skip(struct tep_tc_decoder *dec, int type);

/* Report a semantic problem at the current position ("missing required field ..."). */
int tep_tc_fail(struct tep_tc_decoder *dec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes consumed so far. */
static inline size_t tep_tc_consumed(const struct tep_tc_decoder *dec)
{
    return (size_t)(dec->pos - dec->start);
}

/* Name of a wire type for messages ("i32", "binary", ...). */
const char *tep_tc_type_name(int type);

#endif
