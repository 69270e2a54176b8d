#include "visibility/visib_guard.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *word, *category;
} forbidden[] = {
    {"private_message", "private messages between workers"},
    {"direct_message", "private messages between workers"},
    {"private_chat", "private messages between workers"},
    {"worker_chat", "private messages between workers"},
    {"dm", "private messages between workers"},
    {"emotion", "emotional or psychological state"},
    {"emotional_state", "emotional or psychological state"},
    {"mood", "emotional or psychological state"},
    {"stress_level", "emotional or psychological state"},
    {"sentiment_of_worker", "emotional or psychological state"},
    {"biometric", "biometric data"},
    {"biometrics", "biometric data"},
    {"face_image", "biometric data"},
    {"face_scan", "biometric data"},
    {"selfie", "biometric data"},
    {"fingerprint", "biometric data"},
    {"voiceprint", "biometric data"},
    {"voice_print", "biometric data"},
    {"heart_rate", "biometric data"},
    {"iris_scan", "biometric data"},
    {"gait", "biometric data"},
};

const char *visib_guard_category(const char *key)
{
    char low[64];
    size_t n = strlen(key);
    if (n >= sizeof low) return NULL;
    for (size_t i = 0; i <= n; i++) {
        char c = (char)tolower((unsigned char)key[i]);
        low[i] = c == '-' || c == ' ' ? '_' : c;
    }
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (!strcmp(low, forbidden[i].word)) return forbidden[i].category;
    return NULL;
}

static int walk(json_t *v, int depth, vis_err *err)
{
    if (depth > 32) return 0; /* jansson bounds depth on parse; deeper keys cannot be fields anyway */
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            const char *cat = visib_guard_category(k);
            if (cat) {
                char safe[64];
                snprintf(safe, sizeof safe, "%s", k);
                return vis_errf(err, VIS_EINVAL, "forbidden_data", safe,
                                "field '%s' would carry %s, which the platform does not process (EU Platform Work "
                                "Directive, Article 7)",
                                safe, cat);
            }
            if (walk(x, depth + 1, err)) return err->code;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (walk(x, depth + 1, err)) return err->code;
    }
    return 0;
}

int visib_guard_body(json_t *body, vis_err *err) { return body ? walk(body, 0, err) : 0; }
