/* mod_clf — the classifier service of a server: one in-memory model behind
 * a read-write lock (predictions share it, learning takes it alone), kept
 * in the store (mod_model) and learning, in order, from the training
 * records (mod_training) that human decisions write in their own
 * transactions. So a rolled-back decision teaches nothing, and after a
 * restart the model loads the saved state and replays the records learned
 * since. Classes: "keep" and the 14 DSA statement categories. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "moderation/modc_model.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

struct mod_svc {
    pthread_rwlock_t lock;     /* the model and the fields below */
    pthread_mutex_t  jobs;     /* one learner / saver / callback sender at a time */
    modc_model      *model;
    const char      *label[MODC_CLASSES_MAX]; /* canonical label of each model class */
    double           thr[MODC_CLASSES_MAX];
    bool             allowed[MODC_CLASSES_MAX];
    char             action[MODC_CLASSES_MAX][24];
    int64_t          gen, learned_through, saved_ms;
    bool             dirty;
    /* configuration snapshot */
    char             thresholds[512], auto_actions[512];
    int64_t          min_examples, audit_ppm, save_ms;
};

static const char *canon_label(const char *s)
{
    if (!strcmp(s, MOD_LABEL_KEEP)) return MOD_LABEL_KEEP;
    return mod_category_norm(s);
}

/* Thresholds and allowed actions from the configuration, per model class. */
static int apply_policy(mod_svc *s, vis_err *err)
{
    size_t k = modc_model_nclasses(s->model);
    double def = MODC_DEFAULT_THRESHOLD;
    for (size_t i = 0; i < k; i++) {
        s->thr[i] = -1;
        s->allowed[i] = false;
        s->action[i][0] = '\0';
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *src = pass == 0 ? s->thresholds : s->auto_actions;
        const char *key = pass == 0 ? "moderation.thresholds" : "moderation.auto_actions";
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", src);
        char *save = NULL;
        for (char *tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            char *eq = strchr(tok, '=');
            if (eq) *eq++ = '\0';
            if (pass == 0) {
                char *end;
                double v = strtod(eq ? eq : tok, &end);
                if (*end || !(v > 0 && v <= 1))
                    return vis_errf(err, VIS_EINVAL, "invalid_config", key,
                                    "%s: '%s' is not a probability in (0, 1]", key, eq ? eq : tok);
                if (!eq || !strcmp(tok, "default")) {
                    def = v;
                    continue;
                }
            }
            const char *lab = canon_label(tok);
            if (!lab) return vis_errf(err, VIS_EINVAL, "invalid_config", key, "%s: unknown label '%s'", key, tok);
            const char *act = pass == 1 ? (eq ? eq : (!strcmp(lab, MOD_LABEL_KEEP) ? "keep" : NULL)) : NULL;
            if (pass == 1 && (!act || !mod_action_valid(act) || (!strcmp(lab, MOD_LABEL_KEEP) != !strcmp(act, "keep"))))
                return vis_errf(err, VIS_EINVAL, "invalid_config", key,
                                "%s: '%s' needs an action (keep for 'keep', a restriction for a category)", key, tok);
            for (size_t i = 0; i < k; i++) {
                if (s->label[i] != lab) continue;
                if (pass == 0) s->thr[i] = strtod(eq, NULL);
                else {
                    s->allowed[i] = true;
                    snprintf(s->action[i], sizeof s->action[i], "%s", act);
                }
            }
        }
    }
    for (size_t i = 0; i < k; i++)
        if (s->thr[i] < 0) s->thr[i] = def;
    return 0;
}

static int map_labels(mod_svc *s, modc_model *m, vis_err *err)
{
    size_t k = modc_model_nclasses(m);
    for (size_t i = 0; i < k; i++) {
        const char *lab = canon_label(modc_model_class(m, i));
        if (!lab)
            return vis_errf(err, VIS_EINVAL, "invalid_model", NULL,
                            "model class '%s' is neither 'keep' nor a DSA statement category", modc_model_class(m, i));
        for (size_t j = 0; j < i; j++)
            if (s->label[j] == lab)
                return vis_errf(err, VIS_EINVAL, "invalid_model", NULL, "model class '%s' appears twice", lab);
        s->label[i] = lab;
    }
    return 0;
}

static int label_index(const mod_svc *s, const char *label)
{
    size_t k = modc_model_nclasses(s->model);
    const char *lab = canon_label(label);
    for (size_t i = 0; lab && i < k; i++)
        if (s->label[i] == lab) return (int)i;
    return -1;
}

static uint64_t examples(const modc_model *m)
{
    uint64_t n = 0;
    for (size_t i = 0; i < modc_model_nclasses(m); i++) n += modc_model_count(m, i);
    return n;
}

void mod_svc_free(mod_svc *s)
{
    if (!s) return;
    modc_model_free(s->model);
    pthread_rwlock_destroy(&s->lock);
    pthread_mutex_destroy(&s->jobs);
    free(s);
}

static int svc_new(const vis_config *cfg, store *db, mod_svc **out, vis_err *err)
{
    mod_svc *s = mem_calloc(1, sizeof *s);
    pthread_rwlock_init(&s->lock, NULL);
    pthread_mutex_init(&s->jobs, NULL);
    snprintf(s->thresholds, sizeof s->thresholds, "%s", cfg->mod_thresholds);
    snprintf(s->auto_actions, sizeof s->auto_actions, "%s", cfg->mod_auto_actions);
    s->min_examples = cfg->mod_min_examples;
    s->audit_ppm = cfg->mod_audit_ppm;
    s->save_ms = cfg->mod_model_save_ms;
    store_stmt *q;
    int rc = store_one(db, SQL_MOD_MODEL_GET, &q, err, "");
    if (!rc && q) {
        size_t len = 0;
        const void *blob = store_col_blob(q, 2, &len);
        s->gen = store_col_i64(q, 0);
        s->learned_through = store_col_i64(q, 1);
        rc = modc_load(&s->model, blob, len, err);
        store_done(q);
    }
    if (!rc && !s->model) {
        const char *names[MOD_NCATS + 1];
        names[0] = MOD_LABEL_KEEP;
        for (int i = 0; i < MOD_NCATS; i++) names[i + 1] = mod_category_name(i);
        modc_params p;
        modc_params_default(&p);
        p.feat.bits = (unsigned)cfg->mod_classifier_bits;
        rc = modc_model_new(&s->model, &p, names, MOD_NCATS + 1, err);
        s->gen = 1;
    }
    if (!rc) rc = map_labels(s, s->model, err);
    if (!rc) rc = apply_policy(s, err);
    int n = 0;
    if (!rc) rc = mod_clf_learn(s, db, &n, err);
    if (rc) {
        mod_svc_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int mod_svc_get(mod_svc **slot, const vis_config *cfg, store *db, mod_svc **out, vis_err *err)
{
    mod_svc *s = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!s) {
        mod_svc *mine = NULL, *expected = NULL;
        if (svc_new(cfg, db, &mine, err)) return err->code;
        if (__atomic_compare_exchange_n(slot, &expected, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            s = mine;
        } else {
            mod_svc_free(mine);
            s = expected;
        }
    }
    *out = s;
    return 0;
}

int64_t mod_svc_audit_ppm(const mod_svc *s) { return s ? s->audit_ppm : 0; }

static void version_of(const mod_svc *s, char *buf, size_t n)
{
    snprintf(buf, n, "g%lld-n%llu", (long long)s->gen, (unsigned long long)examples(s->model));
}

void mod_clf_hint(mod_svc *s, const char *text, mod_hint *h)
{
    memset(h, 0, sizeof *h);
    if (!s) return;
    double probs[MODC_CLASSES_MAX];
    pthread_rwlock_rdlock(&s->lock);
    size_t k = modc_model_nclasses(s->model);
    modc_predict(s->model, text, strlen(text), probs);
    size_t top = 0;
    for (size_t i = 1; i < k; i++)
        if (probs[i] > probs[top]) top = i;
    h->ready = examples(s->model) >= (uint64_t)s->min_examples;
    snprintf(h->label, sizeof h->label, "%s", s->label[top]);
    h->score = probs[top];
    h->threshold = s->thr[top];
    h->automatic = h->ready && modc_decide(probs, k, s->thr, s->allowed) == (int)top;
    snprintf(h->action, sizeof h->action, "%s", s->action[top]);
    version_of(s, h->version, sizeof h->version);
    pthread_rwlock_unlock(&s->lock);
}

int mod_clf_info(mod_svc *s, json_t *o, vis_err *err)
{
    (void)err;
    pthread_rwlock_rdlock(&s->lock);
    char v[40];
    version_of(s, v, sizeof v);
    size_t k = modc_model_nclasses(s->model);
    json_t *thr = json_object(), *acts = json_object(), *counts = json_object();
    for (size_t i = 0; i < k; i++) {
        json_object_set_new(thr, s->label[i], json_real(s->thr[i]));
        if (s->allowed[i]) json_object_set_new(acts, s->label[i], json_string(s->action[i]));
        json_object_set_new(counts, s->label[i], json_integer((json_int_t)modc_model_count(s->model, i)));
    }
    uint64_t n = examples(s->model);
    json_object_set_new(o, "model_version", json_string(v));
    json_object_set_new(o, "examples", json_integer((json_int_t)n));
    json_object_set_new(o, "examples_per_label", counts);
    json_object_set_new(o, "min_examples", json_integer(s->min_examples));
    json_object_set_new(o, "ready", json_boolean(n >= (uint64_t)s->min_examples));
    json_object_set_new(o, "thresholds", thr);
    json_object_set_new(o, "automatic_actions", acts);
    json_object_set_new(o, "audit_ppm", json_integer(s->audit_ppm));
    json_object_set_new(o, "method", json_string("logistic regression over hashed word and character n-grams, "
                                                 "AdaGrad; learns from every human decision"));
    pthread_rwlock_unlock(&s->lock);
    return 0;
}

typedef struct trow {
    int64_t id;
    char   *label, *text;
} trow;

int mod_clf_learn(mod_svc *s, store *db, int *learned, vis_err *err)
{
    *learned = 0;
    for (;;) {
        enum { BATCH = 256 };
        trow rows[BATCH];
        int n = 0, r;
        pthread_rwlock_rdlock(&s->lock);
        int64_t after = s->learned_through;
        pthread_rwlock_unlock(&s->lock);
        store_stmt *q = store_query(db, SQL_MOD_TRAIN_AFTER, err, "ii", after, (int64_t)BATCH);
        if (!q) return err->code;
        while ((r = store_row(q, err)) == 1 && n < BATCH) {
            rows[n].id = store_col_i64(q, 0);
            rows[n].label = mem_strdup(store_col_text(q, 1));
            rows[n].text = mem_strdup(store_col_text(q, 2));
            n++;
        }
        store_done(q);
        int rc = r < 0 ? err->code : 0;
        pthread_rwlock_wrlock(&s->lock);
        for (int i = 0; i < n; i++) {
            if (!rc && rows[i].id > s->learned_through) {
                int k = label_index(s, rows[i].label);
                if (k >= 0 && *rows[i].text) {
                    rc = modc_update(s->model, rows[i].text, strlen(rows[i].text), (size_t)k, err);
                    if (!rc) (*learned)++;
                }
                if (!rc) {
                    s->learned_through = rows[i].id;
                    s->dirty = true;
                }
            }
            free(rows[i].label);
            free(rows[i].text);
        }
        pthread_rwlock_unlock(&s->lock);
        if (rc) return rc;
        if (n < BATCH) return 0;
    }
}

static int put_model(mod_svc *s, store *db, int64_t now_ms, vis_err *err)
{
    buf b;
    buf_init(&b);
    pthread_rwlock_rdlock(&s->lock);
    int rc = modc_save(s->model, &b, err);
    int64_t gen = s->gen, through = s->learned_through;
    pthread_rwlock_unlock(&s->lock);
    if (!rc) rc = store_exec(db, SQL_MOD_MODEL_PUT, err, "iibi", gen, through, b.data, b.len, now_ms);
    buf_free(&b);
    return rc;
}

int mod_clf_save(mod_svc *s, store *db, int64_t now_ms, bool force, bool *saved, vis_err *err)
{
    *saved = false;
    if (!s->dirty && !force) return 0;
    if (!force && now_ms - s->saved_ms < s->save_ms) return 0;
    if (store_begin(db, err)) return err->code;
    int rc = put_model(s, db, now_ms, err);
    if (!rc) rc = store_commit(db, err);
    else store_rollback(db);
    if (!rc) {
        s->dirty = false;
        s->saved_ms = now_ms;
        *saved = true;
    }
    return rc;
}

int mod_clf_replace(mod_svc *s, store *db, const void *data, size_t len, int64_t now_ms, json_t **out, vis_err *err)
{
    modc_model *m = NULL;
    if (modc_load(&m, data, len, err))
        return vis_errf(err, VIS_EINVAL, "invalid_model", NULL, "not a classifier model: %s", err->msg);
    mod_svc tmp;
    memset(&tmp, 0, sizeof tmp);
    if (map_labels(&tmp, m, err)) {
        modc_model_free(m);
        return err->code;
    }
    int64_t through = 0;
    if (store_get_i64(db, SQL_MOD_TRAIN_MAX, &through, err, "") < 0) {
        modc_model_free(m);
        return err->code;
    }
    /* no jobs mutex here: this runs inside a write transaction, and the jobs
     * take the mutex before the store's write lock (lock order) */
    pthread_rwlock_wrlock(&s->lock);
    modc_model *old = s->model;
    const char *old_label[MODC_CLASSES_MAX];
    memcpy(old_label, s->label, sizeof old_label);
    s->model = m;
    memcpy(s->label, tmp.label, sizeof s->label);
    int rc = apply_policy(s, err);
    if (rc) {
        s->model = old;
        memcpy(s->label, old_label, sizeof s->label);
        apply_policy(s, NULL);
        pthread_rwlock_unlock(&s->lock);
        modc_model_free(m);
        return rc;
    }
    s->gen++;
    s->learned_through = through; /* trained offline: older records are not replayed into it */
    s->dirty = true;              /* saved by the caller's transaction below and by the next job */
    pthread_rwlock_unlock(&s->lock);
    modc_model_free(old);
    rc = put_model(s, db, now_ms, err);
    if (rc) return rc;
    *out = json_object();
    return mod_clf_info(s, *out, err);
}

void mod_svc_jobs_lock(mod_svc *s) { pthread_mutex_lock(&s->jobs); }
void mod_svc_jobs_unlock(mod_svc *s) { pthread_mutex_unlock(&s->jobs); }
