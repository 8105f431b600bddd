/* test_text.c - outside text made safe: UTF-8 decoding and cutting (core/text.h), the
 * one check of a run id (tep_run_id_problem), log lines that stay one line (plain
 * text escapes control characters and bytes that are not UTF-8) and valid JSON, and the
 * terminal's progress status line (escaped, cut between characters).
 * The log tests point stderr at a file and read back exactly what was written; the
 * progress test points it at a pseudo-terminal (the status is drawn only on one).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "core/frame.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text.h"
#define TEP_READER_INTERNAL /* tep_reader_quote */
#include "io/reader.h"

static void test_utf8_decode(void)
{
    unsigned cp = 0;
    CHECK_EQ_INT(tep_utf8_decode("A", 1, &cp), 1);
    CHECK_EQ_INT(cp, 'A');
    CHECK_EQ_INT(tep_utf8_decode("\xC3\xA9", 2, &cp), 2); /* U+00E9 */
    CHECK_EQ_INT(cp, 0xE9);
    CHECK_EQ_INT(tep_utf8_decode("\xE2\x82\xAC", 3, &cp), 3); /* U+20AC */
    CHECK_EQ_INT(cp, 0x20AC);
    CHECK_EQ_INT(tep_utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4); /* U+1F600 */
    CHECK_EQ_INT(cp, 0x1F600);
    CHECK_EQ_INT(tep_utf8_decode("\xF4\x8F\xBF\xBF", 4, &cp), 4); /* U+10FFFF, the last */
    CHECK_EQ_INT(cp, 0x10FFFF);
    /* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no stray bytes */
    CHECK_EQ_INT(tep_utf8_decode("\xC0\x80", 2, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xC1\xBF", 2, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xE0\x80\x80", 3, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xF0\x80\x80\x80", 4, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xED\xA0\x80", 3, &cp), 0); /* U+D800 */
    CHECK_EQ_INT(tep_utf8_decode("\xF4\x90\x80\x80", 4, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\x80", 1, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xFF", 1, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xC3\x41", 2, &cp), 0);
    CHECK_EQ_INT(tep_utf8_decode("\xE2\x82\xAC", 2, &cp), 0); /* cut by n */
}

static void test_utf8_cut(void)
{
    CHECK_EQ_INT(tep_utf8_cut("abc", 3), 3);
    CHECK_EQ_INT(tep_utf8_cut("ab\xC3", 3), 2);
    CHECK_EQ_INT(tep_utf8_cut("ab\xC3\xA9", 4), 4);
    CHECK_EQ_INT(tep_utf8_cut("ab\xE2\x82", 4), 2);
    CHECK_EQ_INT(tep_utf8_cut("ab\xE2\x82\xAC", 5), 5);
    CHECK_EQ_INT(tep_utf8_cut("a\xF0\x9F\x98", 4), 1);
    CHECK_EQ_INT(tep_utf8_cut("a\xF0\x9F\x98\x80", 5), 5);
    CHECK_EQ_INT(tep_utf8_cut("", 0), 0);
    CHECK_EQ_INT(tep_utf8_cut("\x80\x80", 2), 2); /* stray bytes are not a cut character */
}

static void test_escape_line(void)
{
    char out[256];
    CHECK_STR(tep_text_escape_line("plain caf\xC3\xA9 \xE2\x82\xAC", out, sizeof out),
              "plain caf\xC3\xA9 \xE2\x82\xAC");
    CHECK_STR(tep_text_escape_line("a\nb\rc\td", out, sizeof out), "a\\nb\\rc\\td");
    CHECK_STR(tep_text_escape_line("\x1B[31mred\x7F", out, sizeof out), "\\x1B[31mred\\x7F");
    CHECK_STR(tep_text_escape_line("caf\xE9.csv", out, sizeof out), "caf\\xE9.csv");
    CHECK_STR(tep_text_escape_line("\xC2\x9B" "2J", out, sizeof out), "\\u009B2J"); /* C1 CSI */
    CHECK_STR(tep_text_escape_line("\xED\xA0\x80", out, sizeof out), "\\xED\\xA0\\x80");
    /* too small: cut before a whole character or escape, never inside one */
    CHECK_STR(tep_text_escape_line("ab\xC3\xA9", out, 4), "ab");
    CHECK_STR(tep_text_escape_line("ab\ncd", out, 5), "ab\\n");
    CHECK_STR(tep_text_escape_line("ab\ncd", out, 4), "ab");
    CHECK_STR(tep_text_escape_line("abc", out, 1), "");
    /* a backslash is escaped too: a name holding a backslash and an n is not a line
     * break, and every escape reads back to one byte sequence */
    CHECK_STR(tep_text_escape_line("a\\nb", out, sizeof out), "a\\\\nb");
    CHECK_STR(tep_text_escape_line("a\nb", out, sizeof out), "a\\nb");
    CHECK_STR(tep_text_escape_line("x\\", out, 3), "x"); /* "\\" is one escape: whole or not */
    /* line/paragraph separators and bidirectional formatting characters */
    CHECK_STR(tep_text_escape_line("a\xE2\x80\xA8"
                                   "b\xE2\x80\xA9",
                                   out, sizeof out),
              "a\\u2028b\\u2029");
    CHECK_STR(tep_text_escape_line("\xE2\x80\xAE"
                                   "cod.exe",
                                   out, sizeof out),
              "\\u202Ecod.exe");
    CHECK_STR(
        tep_text_escape_line("\xE2\x80\xAA\xE2\x80\xAD\xE2\x81\xA6\xE2\x81\xA9", out, sizeof out),
        "\\u202A\\u202D\\u2066\\u2069");
    /* their neighbours are ordinary text */
    CHECK_STR(
        tep_text_escape_line("\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA", out, sizeof out),
        "\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA");
    CHECK(tep_text_is_control(0x202E) && tep_text_is_control(0x9F) && !tep_text_is_control(0xA0));
}

/* Quoting a piece of outside text for a message: at most so many characters, "..." when
 * cut, NUL bytes shown, never an escape or a character split by the buffer. */
static void test_quote(void)
{
    char out[64];
    CHECK_STR(tep_text_quote("abc", 3, 40, out, sizeof out), "abc");
    CHECK_STR(tep_text_quote("a\0b", 3, 40, out, sizeof out), "a\\x00b");
    CHECK_STR(tep_text_quote("abcdef", 6, 4, out, sizeof out), "abcd...");
    CHECK_STR(tep_text_quote("caf\xC3\xA9\xFF", 6, 40, out, sizeof out), "caf\xC3\xA9\\xFF");
    CHECK_STR(tep_text_quote("ab\ncdef", 7, 40, out, 8), "ab\\n..."); /* room for "..." */
    CHECK_STR(tep_text_quote("\xE2\x82\xAC\xE2\x82\xAC", 6, 40, out, 7),
              "\xE2\x82\xAC\xE2\x82\xAC");
    CHECK_STR(tep_text_quote("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 9, 40, out, 7),
              "\xE2\x82\xAC...");
    CHECK_STR(tep_text_quote("abcdef", 6, 40, out, 3), "");
    /* the readers' quote is this one with 40 characters */
    char long_text[100];
    memset(long_text, 'q', sizeof long_text);
    tep_reader_quote(long_text, sizeof long_text, out, sizeof out);
    CHECK_EQ_INT(strlen(out), 43);
    CHECK(strcmp(out + 40, "...") == 0);
}

/* The validity scan: the offset of the first bad byte wherever it is relative to the
 * eight-byte steps of the ASCII fast path. */
static void test_utf8_invalid_at(void)
{
    char s[64];
    for (size_t at = 0; at < 40; at++) {
        memset(s, 'a', sizeof s);
        memcpy(s + 20, "\xE2\x82\xAC", 3); /* a valid 3-byte character before or after it */
        s[at] = (char)0xFF;
        long got = tep_utf8_invalid_at(s, sizeof s);
        CHECK_MSG(got == (long)(at >= 20 && at < 23 ? 20 : at), "bad byte at %zu: got %ld", at,
                  got);
    }
    memset(s, 'a', sizeof s);
    CHECK_EQ_INT(tep_utf8_invalid_at(s, sizeof s), -1);
    CHECK_EQ_INT(tep_utf8_invalid_at(s, 0), -1);
    memcpy(s + 61, "\xE2\x82\xAC", 3); /* ends exactly at n */
    CHECK_EQ_INT(tep_utf8_invalid_at(s, sizeof s), -1);
    CHECK_EQ_INT(tep_utf8_invalid_at(s, 63), 61);             /* cut short by n */
    CHECK_EQ_INT(tep_utf8_invalid_at("a\xED\xA0\x80", 4), 1); /* a surrogate */
}

static void test_run_id_problem(void)
{
    char why[96], id[TEP_RUN_ID_MAX + 2];
    CHECK(tep_run_id_problem("d01_te.dat", 10, why, sizeof why) == NULL);
    CHECK(tep_run_id_problem("A/x.csv#run 2", 13, why, sizeof why) == NULL);
    CHECK(tep_run_id_problem("line\nbreak", 10, why, sizeof why) == NULL); /* logs escape it */
    CHECK_STR(tep_run_id_problem("", 0, why, sizeof why), "empty");
    CHECK_STR(tep_run_id_problem("caf\xE9", 4, why, sizeof why), "not valid UTF-8 at byte 4 (0xE9)");
    CHECK_STR(tep_run_id_problem("a\0b", 3, why, sizeof why), "a NUL byte at byte 2");
    /* the longest id is TEP_RUN_ID_MAX - 1 bytes, whole: a 255-byte file name fits */
    memset(id, 'A', sizeof id);
    CHECK(TEP_RUN_ID_MAX - 1 >= 255 + 1 + 255);
    CHECK(tep_run_id_problem(id, TEP_RUN_ID_MAX - 1, why, sizeof why) == NULL);
    char want[96];
    snprintf(want, sizeof want, "%d bytes, longer than %d", TEP_RUN_ID_MAX, TEP_RUN_ID_MAX - 1);
    CHECK_STR(tep_run_id_problem(id, TEP_RUN_ID_MAX, why, sizeof why), want);
    /* a multi-byte character where a 127-byte limit used to cut */
    memcpy(id + 126, "\xC3\xA9", 2);
    CHECK(tep_run_id_problem(id, 128, why, sizeof why) == NULL);
    CHECK_STR(tep_run_id_problem(id, 127, why, sizeof why), "not valid UTF-8 at byte 127 (0xC3)");
}

/* True when s is valid UTF-8 throughout. */
static bool all_utf8(const char *s)
{
    unsigned cp;
    for (size_t i = 0, n = strlen(s), len; i < n; i += len)
        if ((len = tep_utf8_decode(s + i, n - i, &cp)) == 0) return false;
    return true;
}

/* Run fn with stderr sent to a file; the file's text in out. */
static void capture_stderr(void (*fn)(void), char *out, size_t n)
{
    const char *dir = tep_test_tmpdir("test_text");
    char path[1200];
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    CHECK(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(out, 1, n - 1, f) : 0;
    out[got] = '\0';
    if (f) fclose(f);
}

/* A file name that tries to forge a second log line, and a byte that is not UTF-8. */
static const char *forged =
    "a.csv\n2026-01-01T00:00:00.000Z error [pipeline] forged\r\xFF\x1B[2J\xE2\x80\xAE\\n";

static void log_forged(void) { tep_info("pipeline", "run %s: started", forged); }

static void test_log_plain(void)
{
    char text[4096];
    tep_log_set_json(false);
    tep_log_set_level(TEP_LOG_INFO);
    capture_stderr(log_forged, text, sizeof text);
    const char *body = strstr(text, " info  [pipeline] ");
    CHECK_MSG(body != NULL, "no record in '%s'", text);
    CHECK_STR(body, " info  [pipeline] run a.csv\\n2026-01-01T00:00:00.000Z error [pipeline] "
                    "forged\\r\\xFF\\x1B[2J\\u202E\\\\n: started\n");
    CHECK(strchr(text, '\n') == text + strlen(text) - 1); /* one line */
}

static void test_log_json(void)
{
    char text[4096];
    tep_log_set_json(true);
    capture_stderr(log_forged, text, sizeof text);
    tep_log_set_json(false);
    const char *msg = strstr(text, "\"msg\":\"");
    CHECK_MSG(msg != NULL, "no msg in '%s'", text);
    CHECK_STR(msg, "\"msg\":\"run a.csv\\n2026-01-01T00:00:00.000Z error [pipeline] "
                   "forged\\u000d\\ufffd\\u001b[2J\\u202e\\\\n: started\"}\n");
    CHECK(strchr(text, '\n') == text + strlen(text) - 1);
    CHECK(all_utf8(text)); /* JSON text is UTF-8 */
}

/* A message longer than the logger keeps, with a 3-byte character across the cut. */
static void log_long(void)
{
    char big[2100];
    memset(big, 'x', sizeof big);
    memcpy(big + 2046, "\xE2\x82\xAC", 3); /* bytes 2046..2048: the logger keeps 2047 */
    big[sizeof big - 1] = '\0';
    tep_info("t", "%s", big);
}

static void test_log_cut(void)
{
    char text[8192];
    tep_log_set_json(false);
    capture_stderr(log_long, text, sizeof text);
    CHECK(all_utf8(text));
    CHECK(strstr(text, "\\xE2") == NULL); /* the cut character is left out, not escaped */
    const char *body = strstr(text, "[t] ");
    CHECK(body && strlen(body) == 4 + 2046 + 1); /* "[t] ", 2046 x, "\n" */
    tep_log_set_json(true);
    capture_stderr(log_long, text, sizeof text);
    tep_log_set_json(false);
    CHECK(strstr(text, "\\ufffd") == NULL);
    CHECK(strstr(text, "xx\"}\n") != NULL);
}

/* Error records cut a long text between characters, never inside one; a prefix never
 * pushes the cause out. */
static void test_error_cut(void)
{
    static struct tep_error err;
    static char text[TEP_ERROR_MESSAGE_MAX + 16];
    const size_t keep = sizeof err.message - 1; /* bytes a message keeps */
    memset(text, 'r', sizeof text);
    text[sizeof text - 1] = '\0';
    memcpy(text + keep - 5, "\xE2\x82\xAC", 3); /* "run " + that: the euro sign across the end */
    tep_error_set(&err, TEP_ERR_PARSE, "run %s", text);
    CHECK(all_utf8(err.message));
    CHECK_EQ_INT(strlen(err.message), keep - 1); /* the cut euro sign left out */
    memset(text, 'f', sizeof text - 1);
    memcpy(text + sizeof err.file - 2, "\xC3\xA9", 2); /* across the end of the file field */
    tep_error_set_at(&err, TEP_ERR_IO, text, 0, 0, "x");
    CHECK(all_utf8(err.file));
    CHECK_EQ_INT(strlen(err.file), sizeof err.file - 2);
    /* a whole run id (1023 bytes) and a path (4095) fit in a message, twice the id too */
    char id[TEP_RUN_ID_MAX], path[TEP_ERROR_FILE_MAX];
    memset(id, 'i', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    tep_error_set(&err, TEP_ERR_PARSE, "run id '%s' is already the id of a run of %s: cause", id,
                  path);
    tep_error_prefix(&err, "run %s", id);
    CHECK_EQ_INT(strlen(err.message), strlen("run : ") +
                                          strlen("run id '' is already the id of a "
                                                 "run of : cause") +
                                          2 * (TEP_RUN_ID_MAX - 1) + TEP_ERROR_FILE_MAX - 1);
    CHECK(strncmp(err.message, "run iii", 7) == 0);
    CHECK(strcmp(err.message + strlen(err.message) - 9, "pp: cause") == 0);
    /* a prefix that does not fit beside the cause is cut, marked "...", the cause whole */
    memset(text, 'c', keep - 20);
    text[keep - 20] = '\0';
    tep_error_set(&err, TEP_ERR_IO, "%s", text);
    memset(path, 'q', 30);
    memcpy(path + 20, "\xE2\x82\xAC", 3); /* room: 20 bytes = 15 of the prefix, "...", ": " */
    path[30] = '\0';
    tep_error_prefix(&err, "%s", path);
    CHECK_EQ_INT(strlen(err.message), keep);
    CHECK(strncmp(err.message, "qqqqqqqqqqqqqqq...: ccc", 23) == 0);
    CHECK(strcmp(err.message + 20, text) == 0);
    /* the cut falls inside a euro sign at bytes 13-15: the prefix ends before it */
    tep_error_set(&err, TEP_ERR_IO, "%s", text);
    memcpy(path + 13, "\xE2\x82\xAC", 3);
    tep_error_prefix(&err, "%s", path);
    CHECK(all_utf8(err.message));
    CHECK(strncmp(err.message, "qqqqqqqqqqqqq...: ccc", 21) == 0);
    CHECK(strcmp(err.message + 18, text) == 0);
    /* appending: cut between characters */
    memset(text, 'a', keep - 1);
    text[keep - 1] = '\0';
    tep_error_set(&err, TEP_ERR_IO, "%s", text);
    tep_error_append(&err, "\xC3\xA9 more"); /* the 2-byte character across the end */
    CHECK(all_utf8(err.message));
    CHECK_EQ_INT(strlen(err.message), keep - 1);
    tep_error_set(&err, TEP_ERR_IO, "m");
    tep_error_append(&err, " (line %d)", 3);
    CHECK_STR(err.message, "m (line 3)");
}

/* What tep_progress_status draws for `id` ("run 1 <id>: 5 rows read") on a terminal. */
static void draw_status(const char *id, char *out, size_t n)
{
    out[0] = '\0';
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    int term = master >= 0 ? open(ptsname(master), O_RDWR | O_NOCTTY) : -1;
    CHECK(term >= 0);
    if (term < 0) goto done;
    fflush(stderr);
    int saved = dup(2);
    dup2(term, 2);
    struct tep_progress p;
    tep_progress_start(&p, "pipeline", 1, false);
    bool enabled = p.enabled;
    tep_progress_status(&p, "run %d %s: %d rows read", 1, id, 5);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK(enabled);
    size_t got = 0;
    struct pollfd ready = {master, POLLIN, 0};
    while (got + 1 < n && poll(&ready, 1, 500) == 1) {
        ssize_t r = read(master, out + got, n - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    out[got] = '\0';
    close(term);
done:
    if (master >= 0) close(master);
}

/* The status line escapes a run id as log lines do and keeps 70 characters, cut between
 * two (it used to print the id raw and cut at byte 70). */
static void test_progress_status(void)
{
    char text[1024], want[1024];
    draw_status("a\n\x1B[2Jb", text, sizeof text);
    snprintf(want, sizeof want, "\r%-20s %-70s", "pipeline", "run 1 a\\n\\x1B[2Jb: 5 rows read");
    CHECK_STR(text, want);
    char id[256] = "x";
    for (int i = 0; i < 100; i++)
        strcat(id, "\xC3\xA9"); /* "run 1 x" + 63 characters */
    draw_status(id, text, sizeof text);
    CHECK(all_utf8(text));
    snprintf(want, sizeof want, "\r%-20s run 1 %.127s", "pipeline", id); /* x + 63 x 2 bytes */
    CHECK_STR(text, want);
}

int main(void)
{
    RUN(test_utf8_decode);
    RUN(test_utf8_cut);
    RUN(test_escape_line);
    RUN(test_quote);
    RUN(test_utf8_invalid_at);
    RUN(test_run_id_problem);
    RUN(test_log_plain);
    RUN(test_log_json);
    RUN(test_log_cut);
    RUN(test_error_cut);
    RUN(test_progress_status);
    CHECK_DONE();
}
