/* thrift_compact.c - Thrift compact protocol encoder and decoder (see thrift_compact.h).
 *
 * Wire facts used here, from apache/thrift doc/specs/thrift-compact-protocol.md:
 * i16/i32/i64 are zigzag-folded then ULEB128 varints (at most 5 bytes for
 * 32 bits, 10 for 64); a field header is one byte `ddddtttt` (id delta 1..15)
 * or `0000tttt` followed by the zigzag i16 id; a list header is `sssstttt`
 * (size 0..14) or `1111tttt` followed by a varint size; binary is a varint
 * length then the bytes; a double is 8 little-endian bytes; bool fields carry
 * their value in the type nibble (1 = true, 2 = false), bool list elements are
 * one byte; a map is a varint size and, when non-empty, one `kkkkvvvv` byte.
 */
#include "thrift_compact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoder ---------------------------------------------------------- */

void tep_tc_encoder_init(struct tep_tc_encoder *enc)
{
    memset(enc, 0, sizeof *enc);
}

void tep_tc_encoder_reset(struct tep_tc_encoder *enc)
{
    enc->len = 0;
    enc->depth = 0;
    enc->failed = false;
}

void tep_tc_encoder_free(struct tep_tc_encoder *enc)
{
    free(enc->data);
    memset(enc, 0, sizeof *enc);
}

static bool enc_reserve(struct tep_tc_encoder *enc, size_t extra)
{
    if (enc->failed) return false;
    if (enc->len + extra <= enc->cap) return true;
    size_t cap = enc->cap ? enc->cap : 256;
    while (cap < enc->len + extra) cap *= 2;
    uint8_t *p = realloc(enc->data, cap);
    if (!p) {
        enc->failed = true;
        return false;
    }
    enc->data = p;
    enc->cap = cap;
    return true;
}

static void enc_byte(struct tep_tc_encoder *enc, uint8_t b)
{
    if (!enc_reserve(enc, 1)) return;
    enc->data[enc->len++] = b;
}

static void enc_bytes(struct tep_tc_encoder *enc, const void *p, size_t n)
{
    if (!enc_reserve(enc, n)) return;
    if (n) memcpy(enc->data + enc->len, p, n);
    enc->len += n;
}

static void enc_varint(struct tep_tc_encoder *enc, uint64_t v)
{
    if (!enc_reserve(enc, 10)) return;
    while (v >= 0x80) {
        enc->data[enc->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    enc->data[enc->len++] = (uint8_t)v;
}

static uint64_t zigzag64(int64_t v)
{
    uint64_t u = (uint64_t)v;
    return (u << 1) ^ (0 - (u >> 63)); /* sign bit spread over all bits */
}

static void enc_field_header(struct tep_tc_encoder *enc, int16_t id, int type)
{
    if (enc->depth <= 0) { /* a field outside any struct is a caller bug */
        enc->failed = true;
        return;
    }
    int16_t *last = &enc->last_field_id[enc->depth - 1];
    int delta = id - *last;
    if (delta > 0 && delta <= 15) {
        enc_byte(enc, (uint8_t)((delta << 4) | type));
    } else {
        enc_byte(enc, (uint8_t)type);
        enc_varint(enc, zigzag64(id));
    }
    *last = id;
}

void tep_tc_struct_begin(struct tep_tc_encoder *enc)
{
    if (enc->depth >= TEP_TC_MAX_DEPTH) {
        enc->failed = true;
        return;
    }
    enc->last_field_id[enc->depth++] = 0;
}

void tep_tc_struct_end(struct tep_tc_encoder *enc)
{
    enc_byte(enc, TEP_TC_STOP);
    if (enc->depth > 0)
        enc->depth--;
    else
        enc->failed = true;
}

void tep_tc_field_i32(struct tep_tc_encoder *enc, int16_t id, int32_t value)
{
    enc_field_header(enc, id, TEP_TC_I32);
    enc_varint(enc, zigzag64(value));
}

void tep_tc_field_i64(struct tep_tc_encoder *enc, int16_t id, int64_t value)
{
    enc_field_header(enc, id, TEP_TC_I64);
    enc_varint(enc, zigzag64(value));
}

void tep_tc_field_bool(struct tep_tc_encoder *enc, int16_t id, bool value)
{
    enc_field_header(enc, id, value ? TEP_TC_BOOL_TRUE : TEP_TC_BOOL_FALSE);
}

void tep_tc_field_double(struct tep_tc_encoder *enc, int16_t id, double value)
{
    enc_field_header(enc, id, TEP_TC_DOUBLE);
    uint64_t bits;
    memcpy(&bits, &value, 8);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(bits >> (8 * i));
    enc_bytes(enc, le, 8);
}

void tep_tc_field_binary(struct tep_tc_encoder *enc, int16_t id, const void *data, size_t len)
{
    enc_field_header(enc, id, TEP_TC_BINARY);
    enc_varint(enc, len);
    enc_bytes(enc, data, len);
}

void tep_tc_field_string(struct tep_tc_encoder *enc, int16_t id, const char *text)
{
    tep_tc_field_binary(enc, id, text, strlen(text));
}

void tep_tc_field_struct_begin(struct tep_tc_encoder *enc, int16_t id)
{
    enc_field_header(enc, id, TEP_TC_STRUCT);
    tep_tc_struct_begin(enc);
}

void tep_tc_field_list_begin(struct tep_tc_encoder *enc, int16_t id, enum tep_tc_type elem_type,
                             size_t count)
{
    enc_field_header(enc, id, TEP_TC_LIST);
    if (count < 15) {
        enc_byte(enc, (uint8_t)((count << 4) | elem_type));
    } else {
        enc_byte(enc, (uint8_t)(0xF0 | elem_type));
        enc_varint(enc, count);
    }
}

void tep_tc_elem_i32(struct tep_tc_encoder *enc, int32_t value)
{
    enc_varint(enc, zigzag64(value));
}

void tep_tc_elem_i64(struct tep_tc_encoder *enc, int64_t value)
{
    enc_varint(enc, zigzag64(value));
}

void tep_tc_elem_binary(struct tep_tc_encoder *enc, const void *data, size_t len)
{
    enc_varint(enc, len);
    enc_bytes(enc, data, len);
}

void tep_tc_elem_string(struct tep_tc_encoder *enc, const char *text)
{
    tep_tc_elem_binary(enc, text, strlen(text));
}

/* ---- decoder ---------------------------------------------------------- */

const char *tep_tc_type_name(int type)
{
    switch (type) {
    case TEP_TC_STOP: return "stop";
    case TEP_TC_BOOL_TRUE: return "bool(true)";
    case TEP_TC_BOOL_FALSE: return "bool(false)";
    case TEP_TC_I8: return "i8";
    case TEP_TC_I16: return "i16";
    case TEP_TC_I32: return "i32";
    case TEP_TC_I64: return "i64";
    case TEP_TC_DOUBLE: return "double";
    case TEP_TC_BINARY: return "binary";
    case TEP_TC_LIST: return "list";
    case TEP_TC_SET: return "set";
    case TEP_TC_MAP: return "map";
    case TEP_TC_STRUCT: return "struct";
    case TEP_TC_UUID: return "uuid";
    default: return "unknown type";
    }
}

void tep_tc_decoder_init(struct tep_tc_decoder *dec, const uint8_t *data, size_t len,
                         uint64_t file_offset, const char *file, const char *what,
                         struct tep_error *err)
{
    dec->start = data;
    dec->pos = data;
    dec->end = data + len;
    dec->file_offset = file_offset;
    dec->file = file;
    dec->what = what ? what : "Thrift data";
    dec->depth = 0;
    dec->err = err;
}

int tep_tc_fail(struct tep_tc_decoder *dec, const char *fmt, ...)
{
    char detail[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    unsigned long long offset = (unsigned long long)(dec->file_offset + tep_tc_consumed(dec));
    return tep_error_set_at(dec->err, TEP_ERR_PARSE, dec->file, 0, 0,
                            "corrupt Parquet %s: %s (at byte offset %llu)", dec->what, detail,
                            offset);
}

static int dec_truncated(struct tep_tc_decoder *dec, const char *expected)
{
    return tep_tc_fail(dec, "expected %s but the data ends", expected);
}

static int dec_varint(struct tep_tc_decoder *dec, int max_bytes, const char *expected,
                      uint64_t *out)
{
    uint64_t v = 0;
    *out = 0;
    for (int i = 0; i < max_bytes; i++) {
        if (dec->pos >= dec->end) return dec_truncated(dec, expected);
        uint8_t b = *dec->pos++;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return tep_tc_fail(dec, "expected %s but the varint is longer than %d bytes", expected,
                       max_bytes);
}

static int64_t unzigzag64(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int expect_type(struct tep_tc_decoder *dec, int type, int want, const char *name)
{
    if (type == want) return 0;
    return tep_tc_fail(dec, "%s: expected %s, found %s (type %d)", name, tep_tc_type_name(want),
                       tep_tc_type_name(type), type);
}

int tep_tc_struct_begin_read(struct tep_tc_decoder *dec)
{
    if (dec->depth >= TEP_TC_MAX_DEPTH)
        return tep_tc_fail(dec, "nesting deeper than %d levels", TEP_TC_MAX_DEPTH);
    dec->depth++;
    return 0;
}

void tep_tc_struct_end_read(struct tep_tc_decoder *dec)
{
    if (dec->depth > 0) dec->depth--;
}

int tep_tc_read_field(struct tep_tc_decoder *dec, int16_t *last_id, struct tep_tc_field *field)
{
    if (dec->pos >= dec->end) return dec_truncated(dec, "a field header or stop byte");
    uint8_t b = *dec->pos++;
    int type = b & 0x0F;
    int delta = b >> 4;
    field->type = type;
    if (type == TEP_TC_STOP) {
        if (delta != 0) return tep_tc_fail(dec, "expected a stop byte 0x00, found 0x%02x", b);
        field->id = 0;
        return 0;
    }
    if (type > TEP_TC_UUID) return tep_tc_fail(dec, "expected a field type 1..13, found %d", type);
    if (delta) {
        int id = *last_id + delta;
        if (id > INT16_MAX) return tep_tc_fail(dec, "field id %d out of range", id);
        field->id = (int16_t)id;
    } else {
        uint64_t raw;
        if (dec_varint(dec, 3, "a field id", &raw)) return -1;
        int64_t id = unzigzag64(raw);
        if (id < INT16_MIN || id > INT16_MAX)
            return tep_tc_fail(dec, "field id %lld out of range", (long long)id);
        field->id = (int16_t)id;
    }
    *last_id = field->id;
    return 0;
}

int tep_tc_read_i64(struct tep_tc_decoder *dec, int type, const char *name, int64_t *out)
{
    if (type == TEP_TC_I8) {
        if (dec->pos >= dec->end) return dec_truncated(dec, name);
        *out = (int8_t)*dec->pos++;
        return 0;
    }
    if (type != TEP_TC_I16 && type != TEP_TC_I32 && type != TEP_TC_I64)
        return tep_tc_fail(dec, "%s: expected an integer, found %s (type %d)", name,
                           tep_tc_type_name(type), type);
    uint64_t raw;
    if (dec_varint(dec, type == TEP_TC_I64 ? 10 : 5, name, &raw)) return -1;
    *out = unzigzag64(raw);
    return 0;
}

int tep_tc_read_i32(struct tep_tc_decoder *dec, int type, const char *name, int32_t *out)
{
    int64_t v;
    if (type == TEP_TC_I64)
        return tep_tc_fail(dec, "%s: expected i32, found i64", name);
    if (tep_tc_read_i64(dec, type, name, &v)) return -1;
    if (v < INT32_MIN || v > INT32_MAX)
        return tep_tc_fail(dec, "%s: value %lld does not fit in i32", name, (long long)v);
    *out = (int32_t)v;
    return 0;
}

int tep_tc_read_bool(struct tep_tc_decoder *dec, int type, const char *name, bool *out)
{
    if (type == TEP_TC_BOOL_TRUE || type == TEP_TC_BOOL_FALSE) {
        *out = type == TEP_TC_BOOL_TRUE;
        return 0;
    }
    return tep_tc_fail(dec, "%s: expected bool, found %s (type %d)", name,
                       tep_tc_type_name(type), type);
}

int tep_tc_read_double(struct tep_tc_decoder *dec, int type, const char *name, double *out)
{
    if (expect_type(dec, type, TEP_TC_DOUBLE, name)) return -1;
    if (dec->end - dec->pos < 8) return dec_truncated(dec, name);
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++) bits |= (uint64_t)dec->pos[i] << (8 * i);
    dec->pos += 8;
    memcpy(out, &bits, 8);
    return 0;
}

int tep_tc_read_binary(struct tep_tc_decoder *dec, int type, const char *name,
                       const uint8_t **data, size_t *len)
{
    if (expect_type(dec, type, TEP_TC_BINARY, name)) return -1;
    uint64_t n;
    if (dec_varint(dec, 5, name, &n)) return -1;
    if (n > (uint64_t)(dec->end - dec->pos))
        return tep_tc_fail(dec, "%s: binary of %llu bytes runs past the end (%zu bytes left)",
                           name, (unsigned long long)n, (size_t)(dec->end - dec->pos));
    *data = dec->pos;
    *len = (size_t)n;
    dec->pos += n;
    return 0;
}

int tep_tc_read_list_begin(struct tep_tc_decoder *dec, int type, const char *name,
                           int *elem_type, size_t *count)
{
    if (type != TEP_TC_LIST && type != TEP_TC_SET)
        return tep_tc_fail(dec, "%s: expected list, found %s (type %d)", name,
                           tep_tc_type_name(type), type);
    if (dec->pos >= dec->end) return dec_truncated(dec, name);
    uint8_t b = *dec->pos++;
    uint64_t n = b >> 4;
    if (n == 15 && dec_varint(dec, 5, name, &n)) return -1;
    *elem_type = b & 0x0F;
    if (*elem_type == TEP_TC_STOP || *elem_type > TEP_TC_UUID)
        return tep_tc_fail(dec, "%s: list element type %d is not a Thrift type", name,
                           *elem_type);
    /* Every element takes at least one byte, so a larger count is corrupt
     * (and must not drive an allocation). */
    if (n > (uint64_t)(dec->end - dec->pos))
        return tep_tc_fail(dec, "%s: list of %llu elements cannot fit in the %zu bytes left",
                           name, (unsigned long long)n, (size_t)(dec->end - dec->pos));
    *count = (size_t)n;
    return 0;
}

int tep_tc_read_struct_begin(struct tep_tc_decoder *dec, int type, const char *name)
{
    if (expect_type(dec, type, TEP_TC_STRUCT, name)) return -1;
    return tep_tc_struct_begin_read(dec);
}

static int skip_bytes(struct tep_tc_decoder *dec, uint64_t n, const char *what)
{
    if (n > (uint64_t)(dec->end - dec->pos)) return dec_truncated(dec, what);
    dec->pos += n;
    return 0;
}

/* `in_container`: bool values inside lists/maps are one byte, in fields zero. */
static int skip_value(struct tep_tc_decoder *dec, int type, bool in_container)
{
    uint64_t n;
    switch (type) {
    case TEP_TC_BOOL_TRUE:
    case TEP_TC_BOOL_FALSE: return in_container ? skip_bytes(dec, 1, "a bool") : 0;
    case TEP_TC_I8: return skip_bytes(dec, 1, "an i8");
    case TEP_TC_I16:
    case TEP_TC_I32:
    case TEP_TC_I64: return dec_varint(dec, 10, "an integer", &n);
    case TEP_TC_DOUBLE: return skip_bytes(dec, 8, "a double");
    case TEP_TC_UUID: return skip_bytes(dec, 16, "a uuid");
    case TEP_TC_BINARY:
        if (dec_varint(dec, 5, "a binary length", &n)) return -1;
        return skip_bytes(dec, n, "binary data");
    case TEP_TC_STRUCT: {
        if (tep_tc_struct_begin_read(dec)) return -1;
        int16_t last = 0;
        for (;;) {
            struct tep_tc_field f;
            if (tep_tc_read_field(dec, &last, &f)) return -1;
            if (f.type == TEP_TC_STOP) break;
            if (skip_value(dec, f.type, false)) return -1;
        }
        tep_tc_struct_end_read(dec);
        return 0;
    }
    case TEP_TC_LIST:
    case TEP_TC_SET: {
        int elem;
        size_t count;
        if (tep_tc_read_list_begin(dec, type, "skipped list", &elem, &count)) return -1;
        if (tep_tc_struct_begin_read(dec)) return -1; /* depth accounting */
        for (size_t i = 0; i < count; i++)
            if (skip_value(dec, elem, true)) return -1;
        tep_tc_struct_end_read(dec);
        return 0;
    }
    case TEP_TC_MAP: {
        if (dec_varint(dec, 5, "a map size", &n)) return -1;
        if (n == 0) return 0;
        if (dec->pos >= dec->end) return dec_truncated(dec, "map key/value types");
        uint8_t kv = *dec->pos++;
        int ktype = kv >> 4, vtype = kv & 0x0F;
        if (ktype == TEP_TC_STOP || ktype > TEP_TC_UUID || vtype == TEP_TC_STOP ||
            vtype > TEP_TC_UUID)
            return tep_tc_fail(dec, "map key/value types %d/%d are not Thrift types", ktype,
                               vtype);
        if (n > (uint64_t)(dec->end - dec->pos) / 2)
            return tep_tc_fail(dec, "map of %llu entries cannot fit in the bytes left",
                               (unsigned long long)n);
        if (tep_tc_struct_begin_read(dec)) return -1;
        for (uint64_t i = 0; i < n; i++)
            if (skip_value(dec, ktype, true) || skip_value(dec, vtype, true)) return -1;
        tep_tc_struct_end_read(dec);
        return 0;
    }
    default: return tep_tc_fail(dec, "cannot skip a value of unknown type %d", type);
    }
}

int tep_tc_skip(struct tep_tc_decoder *dec, int type)
{
    return skip_value(dec, type, false);
}
