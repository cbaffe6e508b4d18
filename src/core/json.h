/* json.h: a tiny streaming JSON writer for the NDJSON reporter (private to
 * the core). Keys are written in the order the caller writes them; commas are
 * placed automatically; strings are escaped (RFC 8259 section 7) and invalid
 * UTF-8 becomes U+FFFD, so every line is valid JSON. Numbers are integers or
 * preformatted decimal text: never NaN or infinity. No allocation. */
#ifndef TCPSHAKE_JSON_H
#define TCPSHAKE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

/* A line is built in buf and written with one fwrite (spilling early only
 * when it outgrows buf), so no stdio call is made per member. */
#define JSON_BUF 2048

struct json {
    FILE *out;
    int depth;                      /* open objects/arrays; 0 = none */
    bool need_comma[JSON_MAX_DEPTH];
    size_t n;                       /* bytes in buf */
    char buf[JSON_BUF];
};

/* Write `s` as a JSON string, quotes included. NULL is written as null. */
void json_write_string(FILE *out, const char *s);

/* Start a line: "{". */
void json_begin(struct json *j, FILE *out);
/* Close every open container and end the line: "}\n". */
void json_end(struct json *j);

/* "key": value members of the current object. */
void json_str(struct json *j, const char *key, const char *val); /* NULL -> null */
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* A number already formatted as JSON (e.g. "1704067200.000123"). */
void json_number_text(struct json *j, const char *key, const char *text);

/* Nested containers; key is NULL inside an array. */
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
/* A string element of the current array. */
void json_arr_str(struct json *j, const char *val);

#endif
