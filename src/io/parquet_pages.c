/* parquet_pages.c - the Parquet reader's page walk through one column chunk.
 *
 * A column chunk is a dictionary page and data pages (V1 and V2), each behind a Thrift
 * PageHeader. Every page is decompressed (SNAPPY, ZSTD) into a reused buffer, its
 * definition levels (RLE/bit-packed hybrid) decoded, and its values section handed to
 * parquet_encodings.c. Every size and offset is checked against the chunk, so a corrupt
 * page gives TEP_ERR_PARSE naming the file, row group, column and byte offset.
 * Facts: parquet-format README.md (pages) and parquet.thrift (PageHeader).
 */
#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_decompressBound (exported since zstd 1.4) */
#include <zstd.h>

#include "parquet_internal.h"

static const char *codec_name(int codec)
{
    static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP",    "LZO",
                                        "BROTLI",       "LZ4",    "ZSTD",    "LZ4_RAW"};
    return codec >= 0 && codec < 8 ? names[codec] : "unknown";
}

int pqr_chunk_fail(struct pqr_chunk_ctx *x, int code, const char *fmt, ...)
{
    char detail[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return tep_error_set_at(x->err, code, x->r->path, 0, (long)x->col + 1,
                            "%s Parquet data in row group %zu, column '%s', page at byte "
                            "offset %llu: %s",
                            code == TEP_ERR_PARSE ? "corrupt" : "unsupported", x->row_group,
                            x->info->name, (unsigned long long)x->page_offset, detail);
}

/* Decompress `src` into a buffer of exactly `dst_len` bytes (`*buf`, grown). */
static int decompress(struct pqr_chunk_ctx *x, const uint8_t *src, size_t src_len,
                      size_t dst_len, uint8_t **buf, size_t *cap, const uint8_t **out)
{
    int codec = x->chunk->codec;
    if (codec == TEP_PQ_WIRE_UNCOMPRESSED) {
        if (src_len != dst_len)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "uncompressed page stores %zu bytes but declares %zu", src_len,
                                  dst_len);
        *out = src;
        return 0;
    }
    /* The stream's own size field must match the header before anything is
     * allocated, so a corrupt header cannot ask for gigabytes. */
    if (codec == TEP_PQ_WIRE_SNAPPY) {
        size_t n = 0;
        if (snappy_uncompressed_length((const char *)src, src_len, &n) != SNAPPY_OK ||
            n != dst_len)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "snappy page does not decompress to the declared %zu bytes",
                                  dst_len);
    } else if (codec == TEP_PQ_WIRE_ZSTD) {
        /* A frame may omit its size; then its blocks bound what it can give (found while
         * writing the parquet_pages fuzz harness, by an input written by hand - the fuzzer
         * had not hit it: 40 bytes claiming 2 GiB got 2 GiB allocated; tests/fuzz/README.md). */
        unsigned long long n = ZSTD_getFrameContentSize(src, src_len);
        unsigned long long most =
            n == ZSTD_CONTENTSIZE_UNKNOWN ? ZSTD_decompressBound(src, src_len) : n;
        if (n == ZSTD_CONTENTSIZE_ERROR || most == ZSTD_CONTENTSIZE_ERROR ||
            (n != ZSTD_CONTENTSIZE_UNKNOWN && n != dst_len) || dst_len > most)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "zstd page does not decompress to the declared %zu bytes",
                                  dst_len);
    } else {
        return pqr_chunk_fail(x, TEP_ERR_UNSUPPORTED,
                              "compression codec %s (%d) is not supported (UNCOMPRESSED, SNAPPY, "
                              "ZSTD are)",
                              codec_name(codec), codec);
    }
    if (pq_scratch_reserve((void **)buf, cap, dst_len ? dst_len : 1, 1))
        return tep_error_set_at(x->err, TEP_ERR_NOMEM, x->r->path, 0, 0,
                                "out of memory for a %zu-byte page", dst_len);
    if (codec == TEP_PQ_WIRE_SNAPPY) {
        size_t n = dst_len;
        if (snappy_uncompress((const char *)src, src_len, (char *)*buf, &n) != SNAPPY_OK ||
            n != dst_len)
            return pqr_chunk_fail(x, TEP_ERR_PARSE, "snappy data of %zu bytes is corrupt", src_len);
    } else if (codec == TEP_PQ_WIRE_ZSTD) {
        if (!x->r->zstd && !(x->r->zstd = ZSTD_createDCtx()))
            return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for zstd");
        size_t n = ZSTD_decompressDCtx(x->r->zstd, *buf, dst_len, src, src_len);
        if (ZSTD_isError(n))
            return pqr_chunk_fail(x, TEP_ERR_PARSE, "zstd data of %zu bytes is corrupt: %s",
                                  src_len, ZSTD_getErrorName(n));
        if (n != dst_len)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "zstd page decompresses to %zu bytes, expected %zu", n, dst_len);
    }
    *out = *buf;
    return 0;
}

/* Definition levels of `n` rows (max level 1) into r->levels; counts non-nulls. */
static int decode_levels(struct pqr_chunk_ctx *x, const uint8_t *p, const uint8_t *end, size_t n,
                         size_t *nonnull)
{
    struct tep_pq_reader *r = x->r;
    if (pq_scratch_reserve((void **)&r->levels, &r->levels_cap, n ? n : 1, 1))
        return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for definition levels");
    if (pqr_rle_hybrid_decode(x, "definition levels", p, end, 1, n, r->levels, 1)) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->levels[i] > 1)
            return pqr_chunk_fail(x, TEP_ERR_PARSE, "definition level %u exceeds the maximum 1",
                                  r->levels[i]);
        k += r->levels[i];
    }
    *nonnull = k;
    return 0;
}

/* One of the page sub-headers (DataPageHeader = field 5, DictionaryPageHeader
 * = 7, DataPageHeaderV2 = 8), kept apart until the page type picks one. */
struct pqr_sub_header {
    bool present;
    int32_t num_values;
    int32_t num_nulls, num_rows; /* V2 */
    int encoding;
    int def_encoding;             /* V1 */
    int32_t def_bytes, rep_bytes; /* V2 */
    bool is_compressed;           /* V2 */
};

/* PageHeader fields this reader uses; the flat fields below `has_sub` are
 * copied from the sub-header that matches `type`. */
struct pqr_page_header {
    int type;
    int32_t uncompressed_size, compressed_size;
    bool has_type, has_sizes_u, has_sizes_c;
    struct pqr_sub_header sub[3]; /* DataPageHeader, DictionaryPageHeader, V2 */
    bool has_sub; /* the sub-header for the page type was present */
    int32_t num_values;
    int32_t num_nulls;
    int encoding;
    int def_encoding;
    int32_t def_bytes, rep_bytes;
    bool is_compressed;
};

static int parse_sub_header(struct tep_tc_decoder *d, int type, int16_t which,
                            struct pqr_sub_header *h)
{
    if (tep_tc_read_struct_begin(d, type, "PageHeader sub-header")) return -1;
    memset(h, 0, sizeof *h);
    h->is_compressed = true; /* DataPageHeaderV2.is_compressed defaults to true */
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v;
    bool seen[9] = {false};
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        bool known = false;
        if (which == 5 && f.id >= 1 && f.id <= 4) { /* DataPageHeader */
            if (tep_tc_read_i32(d, f.type, "DataPageHeader field", &v)) return -1;
            if (f.id == 1) h->num_values = v;
            if (f.id == 2) h->encoding = v;
            if (f.id == 3) h->def_encoding = v;
            known = true;
        } else if (which == 7 && f.id >= 1 && f.id <= 2) { /* DictionaryPageHeader */
            if (tep_tc_read_i32(d, f.type, "DictionaryPageHeader field", &v)) return -1;
            if (f.id == 1) h->num_values = v;
            if (f.id == 2) h->encoding = v;
            known = true;
        } else if (which == 8 && f.id >= 1 && f.id <= 7) { /* DataPageHeaderV2 */
            if (f.id == 7) {
                if (tep_tc_read_bool(d, f.type, "DataPageHeaderV2.is_compressed",
                                     &h->is_compressed))
                    return -1;
            } else {
                if (tep_tc_read_i32(d, f.type, "DataPageHeaderV2 field", &v)) return -1;
                if (f.id == 1) h->num_values = v;
                if (f.id == 2) h->num_nulls = v;
                if (f.id == 3) h->num_rows = v;
                if (f.id == 4) h->encoding = v;
                if (f.id == 5) h->def_bytes = v;
                if (f.id == 6) h->rep_bytes = v;
            }
            known = true;
        }
        if (known) {
            seen[f.id] = true;
        } else if (tep_tc_skip(d, f.type)) {
            return -1;
        }
    }
    tep_tc_struct_end_read(d);
    bool complete = which == 5   ? seen[1] && seen[2] && seen[3] && seen[4]
                    : which == 7 ? seen[1] && seen[2]
                                 : seen[1] && seen[2] && seen[3] && seen[4] && seen[5] && seen[6];
    if (!complete) return tep_tc_fail(d, "page sub-header lacks a required field");
    h->present = true;
    return 0;
}

static int parse_page_header(struct tep_tc_decoder *d, struct pqr_page_header *h)
{
    memset(h, 0, sizeof *h);
    if (tep_tc_struct_begin_read(d)) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        switch (f.id) {
        case 1:
            if (tep_tc_read_i32(d, f.type, "PageHeader.type", &v)) return -1;
            h->type = v;
            h->has_type = true;
            break;
        case 2:
            if (tep_tc_read_i32(d, f.type, "PageHeader.uncompressed_page_size",
                                &h->uncompressed_size))
                return -1;
            h->has_sizes_u = true;
            break;
        case 3:
            if (tep_tc_read_i32(d, f.type, "PageHeader.compressed_page_size",
                                &h->compressed_size))
                return -1;
            h->has_sizes_c = true;
            break;
        case 5:
            if (parse_sub_header(d, f.type, f.id, &h->sub[0])) return -1;
            break;
        case 7:
            if (parse_sub_header(d, f.type, f.id, &h->sub[1])) return -1;
            break;
        case 8:
            if (parse_sub_header(d, f.type, f.id, &h->sub[2])) return -1;
            break;
        default:
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!h->has_type || !h->has_sizes_u || !h->has_sizes_c)
        return tep_tc_fail(d, "PageHeader lacks its type or sizes");
    if (h->uncompressed_size < 0 || h->compressed_size < 0)
        return tep_tc_fail(d, "PageHeader has negative sizes (%d, %d)", h->uncompressed_size,
                           h->compressed_size);
    const struct pqr_sub_header *sub = h->type == TEP_PQ_PAGE_DATA         ? &h->sub[0]
                                       : h->type == TEP_PQ_PAGE_DICTIONARY ? &h->sub[1]
                                       : h->type == TEP_PQ_PAGE_DATA_V2    ? &h->sub[2]
                                                                           : NULL;
    if (sub && sub->present) {
        h->has_sub = true;
        h->num_values = sub->num_values;
        h->num_nulls = sub->num_nulls;
        h->encoding = sub->encoding;
        h->def_encoding = sub->def_encoding;
        h->def_bytes = sub->def_bytes;
        h->rep_bytes = sub->rep_bytes;
        h->is_compressed = sub->is_compressed;
    }
    return 0;
}

/* Decode column `col` of row group `rg` into `sink`. */
int pqr_read_chunk(struct tep_pq_reader *r, size_t rg, size_t col, struct pqr_sink *sink,
                   struct tep_error *err)
{
    struct pqr_chunk_ctx x = {0};
    x.r = r;
    x.row_group = rg;
    x.col = col;
    x.info = &r->cols[col];
    x.chunk = &r->groups[rg].chunks[col];
    x.err = err;
    size_t rows = (size_t)r->groups[rg].num_rows;
    uint64_t pos = (uint64_t)pqr_chunk_start(x.chunk);
    uint64_t end = pos + (uint64_t)x.chunk->total_compressed;
    bool nullable = x.info->nullable;
    size_t row = 0;
    x.page_offset = pos;
    if (x.info->type == TEP_PQ_UNSUPPORTED)
        return pqr_chunk_fail(&x, TEP_ERR_UNSUPPORTED, "physical type %s is not supported",
                              pqr_physical_name(x.info->physical_type));
    while (row < rows) {
        x.page_offset = pos;
        if (pos >= end)
            return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                  "the column chunk ends after %zu of its %zu values", row, rows);
        struct tep_tc_decoder dec;
        struct pqr_page_header h;
        tep_tc_decoder_init(&dec, r->map + pos, (size_t)(end - pos), pos, r->path, "page header",
                            err);
        if (parse_page_header(&dec, &h)) {
            tep_error_prefix(err, "row group %zu, column '%s'", rg, x.info->name);
            return -1;
        }
        pos += tep_tc_consumed(&dec);
        if ((uint64_t)h.compressed_size > end - pos)
            return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                  "page of %d bytes runs past the end of its column chunk (%llu "
                                  "bytes left)",
                                  h.compressed_size, (unsigned long long)(end - pos));
        const uint8_t *body = r->map + pos;
        size_t body_len = (size_t)h.compressed_size;
        pos += body_len;
        bool is_data = h.type == TEP_PQ_PAGE_DATA || h.type == TEP_PQ_PAGE_DATA_V2;
        if (h.type == TEP_PQ_PAGE_DICTIONARY || is_data) {
            if (!h.has_sub)
                return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                      "page of type %d lacks its sub-header (field %d)", h.type,
                                      h.type == TEP_PQ_PAGE_DATA         ? 5
                                      : h.type == TEP_PQ_PAGE_DICTIONARY ? 7
                                                                         : 8);
        } else {
            continue; /* index pages and unknown page types are skipped */
        }
        if (h.type == TEP_PQ_PAGE_DICTIONARY) {
            if (x.has_dict)
                return pqr_chunk_fail(&x, TEP_ERR_PARSE, "a second dictionary page in one chunk");
            const uint8_t *data;
            if (decompress(&x, body, body_len, (size_t)h.uncompressed_size, &r->dict_buf,
                           &r->dict_cap, &data) ||
                pqr_dictionary_page(&x, data, (size_t)h.uncompressed_size, h.num_values,
                                    h.encoding))
                return -1;
            continue;
        }
        if (h.num_values < 0 || (size_t)h.num_values > rows - row)
            return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                  "data page holds %d values but only %zu of the row group's %zu "
                                  "rows remain",
                                  h.num_values, rows - row, rows);
        size_t n = (size_t)h.num_values, k = n;
        const uint8_t *values, *values_end;
        if (h.type == TEP_PQ_PAGE_DATA) {
            const uint8_t *data;
            if (decompress(&x, body, body_len, (size_t)h.uncompressed_size, &r->page_buf,
                           &r->page_cap, &data))
                return -1;
            values = data;
            values_end = data + h.uncompressed_size;
            if (nullable) {
                if (h.def_encoding != TEP_PQ_ENC_RLE)
                    return pqr_chunk_fail(&x, TEP_ERR_UNSUPPORTED,
                                          "definition level encoding %s (%d)",
                                          pqr_encoding_name(h.def_encoding), h.def_encoding);
                if (values_end - values < 4)
                    return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                          "data page too short for its definition levels");
                uint32_t len = pq_get_le32(values);
                values += 4;
                if (len > (size_t)(values_end - values))
                    return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                          "definition levels claim %u bytes, the page has %zu", len,
                                          (size_t)(values_end - values));
                if (decode_levels(&x, values, values + len, n, &k)) return -1;
                values += len;
            }
        } else { /* DATA_PAGE_V2: levels uncompressed before the (maybe compressed) values */
            if (h.def_bytes < 0 || h.rep_bytes < 0 ||
                (int64_t)h.def_bytes + h.rep_bytes > h.compressed_size ||
                (int64_t)h.def_bytes + h.rep_bytes > h.uncompressed_size)
                return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                      "V2 level sections (%d + %d bytes) exceed the page",
                                      h.rep_bytes, h.def_bytes);
            if (h.num_nulls < 0 || h.num_nulls > h.num_values)
                return pqr_chunk_fail(&x, TEP_ERR_PARSE, "V2 page claims %d nulls in %d values",
                                      h.num_nulls, h.num_values);
            const uint8_t *levels_at = body + h.rep_bytes;
            if (nullable) {
                if (decode_levels(&x, levels_at, levels_at + h.def_bytes, n, &k)) return -1;
                if (k != n - (size_t)h.num_nulls)
                    return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                          "V2 page declares %d nulls, its levels hold %zu",
                                          h.num_nulls, n - k);
            } else if (h.num_nulls != 0) {
                return pqr_chunk_fail(&x, TEP_ERR_PARSE, "required column page declares %d nulls",
                                      h.num_nulls);
            }
            size_t skip = (size_t)h.def_bytes + (size_t)h.rep_bytes;
            size_t stored = body_len - skip;
            size_t plain_len = (size_t)h.uncompressed_size - skip;
            if (h.is_compressed && x.chunk->codec != TEP_PQ_WIRE_UNCOMPRESSED) {
                if (decompress(&x, body + skip, stored, plain_len, &r->values_buf,
                               &r->values_cap, &values))
                    return -1;
            } else {
                if (stored != plain_len)
                    return pqr_chunk_fail(&x, TEP_ERR_PARSE,
                                          "uncompressed V2 values store %zu bytes but declare %zu",
                                          stored, plain_len);
                values = body + skip;
            }
            values_end = values + plain_len;
        }
        if (pqr_page_values(&x, sink, h.encoding, values, values_end, row, n, k, r->levels))
            return -1;
        row += n;
    }
    return 0;
}

