/* s3_client.h - the S3 client of the `parquet` store (lake_store.c): one bucket and key
 * prefix on an S3-compatible server, reached through libcurl with requests signed with AWS
 * Signature V4; GET, PUT of a file, server-side copy and DELETE of one key, and the listing
 * of every key under a prefix. Errors name the request (method, s3://bucket/key) and give the
 * HTTP status with the server's <Code> and <Message>.
 */
#ifndef TEP_STORE_S3_CLIENT_H
#define TEP_STORE_S3_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "core/config.h"
#include "core/error.h"

/* A list of strings (keys, paths), zero-initialised when empty. strlist_add appends a
 * copy (-1 when out of memory); strlist_free empties it. */
struct strlist {
    char **v;
    size_t n, cap;
};
int strlist_add(struct strlist *l, const char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

/* Where requests go and as whom. The owner fills the settings (lake_store.c does it from
 * storage.path, endpoint, region and the credentials), then opens the client. */
struct s3_client {
    char bucket[64];
    char prefix[600]; /* no leading or trailing '/'; may be "" */
    char endpoint[TEP_CFG_STRING_MAX];
    bool virtual_host;
    char region[72];
    char sigv4[160];
    char access_key[TEP_CFG_STRING_MAX], secret_key[TEP_CFG_STRING_MAX];
    char session_token[4096];
    long timeout;
    char page_keys[32]; /* "max-keys=N&" from TEP_LAKE_S3_PAGE_KEYS (tests), else "" */
    CURL *curl;
    char curl_error[CURL_ERROR_SIZE];
};

/* Check that libcurl can sign (>= 7.75) and make the handle; close frees it. */
int s3_client_open(struct s3_client *c, struct tep_error *err);
void s3_client_close(struct s3_client *c);

/* The answer of a request (data NUL-terminated; the caller frees it). */
struct s3_body {
    char *data;
    size_t len, cap;
    long status; /* HTTP status of the last answer, 0 if none */
};

/* One request. */
struct s3_req {
    const char *method;      /* GET, PUT, DELETE */
    const char *key;         /* object key; NULL = the bucket itself */
    const char *query;       /* canonical query string (sorted, encoded), or NULL */
    const char *upload_path; /* PUT: the file to send */
    const char *copy_from;   /* PUT: server-side copy of this key */
};

/* One request; 0 when the server answered 2xx (and a copy reported no error). */
int s3_call(struct s3_client *c, const struct s3_req *q, struct s3_body *body,
            struct tep_error *err);

/* Every key under `prefix` (all pages). */
int s3_list(struct s3_client *c, const char *prefix, struct strlist *out, struct tep_error *err);

/* One request without an answer to read: `method` on `key`, PUT uploading the file `upload`
 * or copying the key `copy_from` server-side. */
int s3_simple(struct s3_client *c, const char *method, const char *key, const char *upload,
              const char *copy_from, struct tep_error *err);

/* "<prefix>/<rest>" or "<rest>" */
void s3_key(const struct s3_client *c, char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append `s` percent-encoded (AWS rules: A-Z a-z 0-9 - _ . ~ kept, and '/' when
 * keep_slash) to out[*n..]; false when it does not fit. */
bool s3_uri_encode(const char *s, bool keep_slash, char *out, size_t cap, size_t *n);

/* Text of the first <tag>...</tag> in xml, entities decoded; false if absent. */
bool s3_xml_text(const char *xml, const char *tag, char *out, size_t cap, const char **after);

#endif
