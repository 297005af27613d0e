/* A C host of veil. Redacts a capture/1 archive directory twice: as a whole
 * (veil_redact_archive -> OUT_DIR/archive) and as a capture client streams it, one line at a
 * time with each screenshot's frame bytes, through a session (-> OUT_DIR/stream:
 * events.jsonl + frames/). Also shows text redaction, detection and the error codes.
 * `make c-example` builds it with `cc` against include/veil.h, runs it on testdata/sample
 * and checks both outputs against `veil redact`'s (ffi/examples/check.py).
 *
 * usage: stream_sample ARCHIVE_DIR OUT_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "veil.h"

static int failures = 0;

#define CHECK(cond, what)                                        \
    do {                                                         \
        if (!(cond)) {                                           \
            fprintf(stderr, "stream_sample: FAILED: %s\n", what); \
            failures++;                                          \
        }                                                        \
    } while (0)

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* The value of "image" in a screenshot line (a path inside the archive), or 0 if none. */
static int image_path(const char *json, size_t len, char *out, size_t cap) {
    const char *key = "\"image\":\"";
    const char *p = strstr(json, key);
    if (!p || p >= json + len) return 0;
    p += strlen(key);
    const char *end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= cap) return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = 0;
    return 1;
}

/* Appends the released events to events.jsonl and writes their frames. */
static size_t write_released(VeilReleased *r, const char *out_dir, FILE *events) {
    size_t n = veil_released_count(r);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *json, *frame;
        size_t json_len, frame_len;
        if (veil_released_event(r, i, &json, &json_len, &frame, &frame_len) != VEIL_STATUS_OK) {
            CHECK(0, "veil_released_event");
            continue;
        }
        fwrite(json, 1, json_len, events);
        fputc('\n', events);
        char rel[256], path[1024];
        if (frame && image_path((const char *)json, json_len, rel, sizeof rel)) {
            snprintf(path, sizeof path, "%s/%s", out_dir, rel);
            FILE *f = fopen(path, "wb");
            CHECK(f != NULL, "open output frame");
            if (f) {
                fwrite(frame, 1, frame_len, f);
                fclose(f);
            }
        }
    }
    veil_released_free(r);
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ARCHIVE_DIR OUT_DIR\n", argv[0]);
        return 2;
    }
    const char *in_dir = argv[1];
    char out_dir[512], archive_dir[512];
    snprintf(out_dir, sizeof out_dir, "%s/stream", argv[2]);
    snprintf(archive_dir, sizeof archive_dir, "%s/archive", argv[2]);
    mkdir(argv[2], 0755);
    printf("veil %s\n", veil_version());

    /* Errors are codes, never values. */
    VeilEngine *bad = NULL;
    VeilStatus st = veil_engine_new("[actions]\nNOT_AN_ENTITY = \"tag\"\n", &bad);
    CHECK(st == VEIL_STATUS_POLICY && bad == NULL, "an invalid policy is VEIL_STATUS_POLICY");
    printf("invalid policy -> %d: %s\n", (int)st, veil_status_message(st));

    VeilEngine *engine = NULL;
    st = veil_engine_new(NULL, &engine); /* the default policy, models included */
    if (st != VEIL_STATUS_OK) {
        fprintf(stderr, "veil_engine_new: %s\n", veil_status_message(st));
        return 1;
    }

    const char *text = "write to jane.doe@example.com, card 4111 1111 1111 1111";
    VeilBuf red;
    st = veil_redact_text(engine, (const uint8_t *)text, strlen(text), &red);
    CHECK(st == VEIL_STATUS_OK, "veil_redact_text");
    if (st == VEIL_STATUS_OK) {
        printf("text: %s\n", (const char *)red.ptr);
        CHECK(strstr((const char *)red.ptr, "jane.doe") == NULL, "the email is redacted");
        CHECK(strstr((const char *)red.ptr, "4111 1111 1111 1111") == NULL, "the card is redacted");
        veil_buf_free(red);
    }
    VeilBuf found;
    st = veil_detect(engine, (const uint8_t *)text, strlen(text), &found);
    CHECK(st == VEIL_STATUS_OK && strstr((const char *)found.ptr, "EMAIL_ADDRESS"), "veil_detect");
    if (st == VEIL_STATUS_OK) {
        printf("detect: %s\n", (const char *)found.ptr);
        veil_buf_free(found);
    }
    const uint8_t not_utf8[] = {'a', 0xff, 'b'};
    st = veil_redact_text(engine, not_utf8, sizeof not_utf8, &red);
    CHECK(st == VEIL_STATUS_INVALID_ARGUMENT, "non-UTF-8 text is VEIL_STATUS_INVALID_ARGUMENT");

    /* The archive as a whole, as `veil redact` does it. */
    VeilBuf report;
    st = veil_redact_archive(engine, in_dir, archive_dir, true, &report);
    CHECK(st == VEIL_STATUS_OK && strstr((const char *)report.ptr, "veil-report/1"), "veil_redact_archive");
    if (st == VEIL_STATUS_OK) veil_buf_free(report);
    st = veil_redact_archive(engine, in_dir, archive_dir, false, NULL);
    CHECK(st == VEIL_STATUS_OUTPUT_EXISTS, "an existing output without force is VEIL_STATUS_OUTPUT_EXISTS");

    /* The archive as a capture client would stream it: one line at a time. */
    char path[1024];
    snprintf(path, sizeof path, "%s/frames", out_dir);
    mkdir(out_dir, 0755);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/events.jsonl", in_dir);
    FILE *in = fopen(path, "rb");
    snprintf(path, sizeof path, "%s/events.jsonl", out_dir);
    FILE *events = fopen(path, "wb");
    if (!in || !events) {
        fprintf(stderr, "cannot open %s or the output: %s\n", in_dir, strerror(errno));
        return 1;
    }
    VeilSession *session = NULL;
    st = veil_session_new(engine, 60000, &session);
    CHECK(st == VEIL_STATUS_OK, "veil_session_new");
    veil_engine_free(engine); /* the session keeps the engine alive */

    char *line = NULL;
    size_t cap = 0, lines = 0, released = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        lines++;
        unsigned char *frame = NULL;
        size_t frame_len = 0;
        char rel[256];
        if (strstr(line, "\"kind\":\"screenshot\"") && image_path(line, (size_t)n, rel, sizeof rel)) {
            snprintf(path, sizeof path, "%s/%s", in_dir, rel);
            frame = read_file(path, &frame_len); /* NULL when missing: the event is dropped */
        }
        VeilReleased *r = NULL;
        st = veil_session_push(session, (const uint8_t *)line, (size_t)n, frame, frame_len, &r);
        free(frame);
        CHECK(st == VEIL_STATUS_OK, "veil_session_push");
        if (st == VEIL_STATUS_OK) released += write_released(r, out_dir, events);
    }
    VeilReleased *r = NULL;
    st = veil_session_finish(session, &r);
    CHECK(st == VEIL_STATUS_OK, "veil_session_finish");
    if (st == VEIL_STATUS_OK) released += write_released(r, out_dir, events);
    veil_session_free(session);
    free(line);
    fclose(in);
    fclose(events);
    printf("%zu lines in, %zu events released -> %s\n", lines, released, out_dir);
    CHECK(released > 0 && released < lines, "some events released, some dropped");
    return failures ? 1 : 0;
}
