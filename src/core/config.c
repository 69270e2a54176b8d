#include "core/config.h"

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_STR, T_INT, T_BOOL } ctype;

typedef struct {
    const char *key;
    ctype       type;
    size_t      off;
    size_t      size;  /* for strings */
    const char *def;
    int64_t     min, max;
    const char *doc;
} centry;

#define S(k, f, d, doc) {k, T_STR, offsetof(vis_config, f), sizeof(((vis_config *)0)->f), d, 0, 0, doc}
#define I(k, f, d, lo, hi, doc) {k, T_INT, offsetof(vis_config, f), 0, d, lo, hi, doc}
#define B(k, f, d, doc) {k, T_BOOL, offsetof(vis_config, f), 0, d, 0, 1, doc}

static const centry table[] = {
    S("listen", listen, "127.0.0.1:8080", "address and port the HTTP server listens on"),
    S("db", db, "var/visible.db", "database: a SQLite file path"),
    I("threads", threads, "16", 1, 256,
      "HTTP worker threads (each has its own store connection; writes wait for the group commit)"),
    I("http.body_limit", body_limit, "1048576", 1024, 1073741824, "largest request body accepted, bytes (413 above)"),
    I("http.bulk_limit", bulk_limit, "67108864", 1024, 4294967296LL, "largest bulk upload (task CSV, JSON lines), bytes"),
    S("currency", currency, "EUR", "ISO 4217 currency of every amount"),
    I("pay.min_hourly_micros", min_hourly_micros, "12000000", 0, 1000000000000,
      "platform minimum pay per active+waiting hour, micros"),
    I("ratelimit.per_minute", rate_per_minute, "6000", 0, 100000000,
      "requests per minute per token, 0 disables the limit (429 above)"),
    I("ratelimit.burst", rate_burst, "300", 1, 100000000, "requests a token may send at once"),
    I("auth.token_ttl_days", token_ttl_days, "30", 1, 3650, "lifetime of tokens from signup and login"),
    S("web_root", web_root, "web", "directory of the web UI's static files"),
    I("idempotency.ttl_hours", idem_ttl_hours, "24", 1, 8760,
      "how long an Idempotency-Key is remembered (a replay within it returns the first answer; then it is forgotten)"),
    S("web.vendor_root", web_vendor_root, "/usr/share/javascript",
      "where Debian installs browser libraries (libjs-chart.js, libjs-leaflet), served under /vendor/"),
    S("web.tile_url", web_tile_url, "",
      "map tiles, e.g. https://tile.example.org/{z}/{x}/{y}.png; empty: maps show points on a plain background"),
    S("web.tile_attribution", web_tile_attribution, "", "credit shown under maps for the tiles"),
    S("web.media_origins", web_media_origins, "",
      "https origins (space-separated, e.g. https://media.example.org) whose images, video and audio moderators "
      "may see in the console; empty: only media stored on the platform"),
    B("web.cookie_secure", web_cookie_secure, "false",
      "session cookies carry Secure (set it when the platform is reached over https through a proxy; a request "
      "with X-Forwarded-Proto: https gets Secure cookies anyway)"),
    S("admin_token_file", admin_token_file, "", "where the first admin token is written (default: admin.token beside the database)"),
    B("log.requests", log_requests, "true", "one structured JSON line per request on stderr"),
    B("test_clock", test_clock, "false", "tests only: POST /v1/admin/clock sets and advances the platform clock"),
    B("demo", demo, "false", "seed demo accounts and content at start"),
    B("dispatch.auto", disp_auto, "true", "delivery: run a dispatch epoch every dispatch.epoch_ms on its own thread"),
    I("dispatch.epoch_ms", disp_epoch_ms, "60000", 1000, 3600000, "delivery: dispatch decision period (platform clock)"),
    I("dispatch.offer_ttl_ms", disp_offer_ttl_ms, "120000", 10000, 3600000,
      "delivery: how long a courier has to accept an offer"),
    I("dispatch.ref_lat_e6", disp_ref_lat_e6, "48856600", -85000000, 85000000,
      "delivery: the city's reference latitude (micro-degrees) for the planar projection"),
    I("dispatch.ref_lon_e6", disp_ref_lon_e6, "2352200", -180000000, 180000000,
      "delivery: the city's reference longitude (micro-degrees)"),
    I("dispatch.speed_m_per_min", disp_speed_m_per_min, "300", 10, 3000, "delivery: courier speed used for planning"),
    I("dispatch.speed_walking_m_per_min", disp_speed_walking, "83", 10, 3000,
      "delivery: planning speed of a walking courier (83 = 5 km/h; bicycle = dispatch.speed_m_per_min)"),
    I("dispatch.speed_e_bike_m_per_min", disp_speed_e_bike, "333", 10, 3000,
      "delivery: planning speed of an e-bike (333 = 20 km/h; EU pedelec assistance stops at 25)"),
    I("dispatch.speed_scooter_m_per_min", disp_speed_scooter, "417", 10, 3000,
      "delivery: planning speed of a scooter in town (417 = 25 km/h)"),
    I("dispatch.speed_car_m_per_min", disp_speed_car, "417", 10, 3000,
      "delivery: planning speed of a car in town (417 = 25 km/h)"),
    I("dispatch.walking_max_trip_m", disp_walking_max_trip_m, "3000", 0, 1000000,
      "delivery: longest trip (ride to the pickup + the route) offered to a walking courier, metres; 0 = no limit"),
    B("dispatch.slots", disp_slots, "false",
      "delivery: booked slots (shift booking): the hourly guarantee counts online time inside a service area AND "
      "inside a slot the courier booked"),
    I("dispatch.slot_cancel_cutoff_min", disp_slot_cancel_cutoff_min, "60", 0, 10080,
      "delivery: a booked slot cancelled less than this before its start is recorded as a late cancellation "
      "(never sanctioned)"),
    I("dispatch.service_s", disp_service_s, "240", 0, 3600, "delivery: pickup and drop-off service time, seconds"),
    I("dispatch.max_km", disp_max_km, "30", 1, 1000, "delivery: farthest drop-off from its pickup place"),
    I("dispatch.arrive_radius_m", disp_arrive_radius_m, "100", 1, 10000,
      "delivery: a position this close to the pickup marks the courier's arrival (waiting starts)"),
    I("dispatch.ready_wait_max_s", disp_ready_wait_max_s, "180", 0, 3600,
      "delivery: bundling may delay the pickup of a ready order by at most this (planned pickup minus the later of "
      "its ready time and the courier's earliest pickup)"),
    I("dispatch.location_check_m", disp_location_check_m, "250", 0, 100000,
      "delivery: a pickup or delivery reported farther than this from its place (the courier's last position) is "
      "refused (409) unless the courier gives a reason, then journalled as an exception; 0 = no check"),
    I("dispatch.max_speed_m_per_min", disp_max_speed_m_per_min, "1000", 10, 100000,
      "delivery: fastest plausible ride (1000 = 60 km/h); a delivery sooner after its pickup than the straight "
      "distance at this speed needs a reason, like a location check"),
    I("dispatch.unassigned_alert_s", disp_unassigned_alert_s, "600", 60, 86400,
      "delivery: a job still unassigned this long after it could first be offered raises a \"no courier found\" "
      "alert once (callback to the restaurant, dispatcher board, journal)"),
    I("dispatch.late_grace_s", disp_late_grace_s, "600", 0, 86400,
      "delivery: a job is late when it is not delivered by its ready time plus its quoted courier time plus this "
      "(alert on the board, callback to the restaurant, journal)"),
    I("dispatch.schedule_max_s", disp_schedule_max_s, "604800", 7200, 2592000,
      "delivery: how far ahead an order may be scheduled (ready_at_ms)"),
    I("dispatch.schedule_lead_s", disp_schedule_lead_s, "1800", 0, 7200,
      "delivery: a job is offered to couriers no earlier than its ready time minus this (no courier is held early)"),
    I("dispatch.contact_retention_s", disp_contact_retention_s, "86400", 0, 2592000,
      "delivery: the recipient's name and phone are erased this long after the job was delivered or cancelled"),
    S("store.durability", durability, "normal",
      "normal: a committed write survives a crash of the process (kill -9), not always a power loss or a crash of "
      "the machine (SQLite WAL, synchronous=NORMAL); full: an fsync per group commit, a committed write survives "
      "power loss too (synchronous=FULL; recommended in production, see docs/architecture.md). SQLite only: on "
      "PostgreSQL every commit is as durable as the server's synchronous_commit (on by default) makes it"),
    I("store.busy_timeout_ms", busy_timeout_ms, "5000", 0, 600000, "how long a store call waits for a lock"),
    I("fees.platform_ppm", platform_fee_ppm, "100000", 0, 1000000,
      "platform fee charged to clients, parts per million of the work's cost"),
    I("microwork.reject_cap_ppm", mw_reject_cap_ppm, "200000", 0, 1000000,
      "share of one worker's answers on a batch a client may reject without an admin (ppm)"),
    I("microwork.sweep_ms", mw_sweep_ms, "5000", 100, 3600000,
      "how often expired leases are released and due answers auto-approved (ms)"),
    I("microwork.max_reward_micros", mw_max_reward_micros, "1000000000", 1, 1000000000000LL,
      "largest reward per answer a batch may offer, micros (400 reward_too_large above)"),
    I("microwork.max_tasks_per_batch", mw_max_tasks_per_batch, "1000000", 1, 10000000,
      "most tasks, control tasks included, one batch may hold (409 too_many_tasks above)"),
    I("moderation.hourly_micros", mod_hourly_micros, "18000000", 0, 1000000000000,
      "moderators' pay per hour of review, micros (never below pay.min_hourly_micros; never per item)"),
    I("moderation.lease_ms", mod_lease_ms, "900000", 10000, 86400000, "review lease of a claimed item (ms)"),
    I("moderation.onboarding_items", mod_onboarding_items, "20", 0, 100000,
      "a new moderator's first claimed items after onboarding, never graphic (violence, gore, sexual content)"),
    I("moderation.max_leases", mod_max_leases, "10", 1, 100, "items one moderator may hold at once (bulk decisions)"),
    I("moderation.exposure_budget_ms", mod_exposure_budget_ms, "14400000", 0, 86400000,
      "daily review time on graphic items per moderator; then graphic claims are refused (ms)"),
    I("moderation.continuous_limit_ms", mod_continuous_limit_ms, "7200000", 60000, 86400000,
      "continuous review after which a break is mandatory (ms)"),
    I("moderation.break_ms", mod_break_ms, "900000", 60000, 86400000, "length of the mandatory break (ms)"),
    I("moderation.appeal_window_days", mod_appeal_window_days, "183", 1, 3650, "days an author has to appeal"),
    I("moderation.audit_ppm", mod_audit_ppm, "100000", 0, 1000000,
      "share of the classifier's automatic decisions re-reviewed by a human (ppm)"),
    S("moderation.thresholds", mod_thresholds, "default=0.95",
      "classifier confidence needed to decide alone: 'default=P,LABEL=P,...' (LABEL: keep or a category)"),
    S("moderation.auto_actions", mod_auto_actions, "",
      "what the classifier may decide alone: 'keep,CATEGORY=ACTION,...'; empty = nothing automatic"),
    I("moderation.min_examples", mod_min_examples, "200", 0, 100000000,
      "human decisions learned before the classifier shows hints or decides"),
    I("moderation.classifier_bits", mod_classifier_bits, "18", 10, 24, "classifier: 2^bits hashed features"),
    I("moderation.sweep_ms", mod_sweep_ms, "1000", 100, 3600000,
      "moderation housekeeping period: expired leases, learning, callback delivery (ms)"),
    I("moderation.model_save_ms", mod_model_save_ms, "60000", 0, 86400000, "how often a changed model is saved (ms)"),
    I("moderation.callback_timeout_ms", mod_callback_timeout_ms, "3000", 100, 60000, "callback HTTP timeout (ms)"),
    I("moderation.callback_backoff_ms", mod_callback_backoff_ms, "1000", 100, 3600000,
      "first callback retry delay; doubles per failure (ms)"),
    I("moderation.callback_backoff_max_ms", mod_callback_backoff_max_ms, "3600000", 1000, 86400000,
      "longest callback retry delay; callbacks are never dropped (ms)"),
    S("moderation.callback_ca_file", mod_callback_ca_file, "",
      "CA certificates (PEM) trusted for https:// callbacks; default: the system's CA store"),
    S("moderation.tdb_url", mod_tdb_url, "",
      "DSA Transparency Database statement endpoint (e.g. https://transparency.dsa.ec.europa.eu/api/v1/statement);"
      " '' = statements are queued, not submitted"),
    S("moderation.tdb_token", mod_tdb_token, "", "the Transparency Database API token (Bearer)"),
    S("moderation.tdb_territorial_scope", mod_tdb_scope,
      "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IS,IT,LI,LT,LU,LV,MT,NL,NO,PL,PT,RO,SE,SI,SK",
      "countries where a restriction applies (ISO 3166-1 alpha-2, comma-separated): the statements' territorial_scope"),
    B("moderation.callback_private", mod_callback_private, "false",
      "allow callbacks to loopback and private addresses (a platform on the operator's own network)"),
    I("moderation.unfounded_min", mod_unfounded_min, "5", 1, 1000000,
      "unfounded notices before a notifier may be deprioritised (DSA Art. 23)"),
    I("moderation.unfounded_ppm", mod_unfounded_ppm, "800000", 1, 1000000,
      "share of a notifier's decided notices found unfounded that deprioritises it (ppm)"),
    I("auth.pwhash_ops", pwhash_ops, "2", 1, 100, "argon2id passes per password hash"),
    I("auth.pwhash_mem_kib", pwhash_mem_kib, "65536", 8, 4194304, "argon2id memory per password hash, KiB"),
    I("auth.pwhash_concurrency", pwhash_concurrency, "0", 0, 256,
      "threads computing password hashes (sign-ups, sign-ins), never an HTTP thread nor the write path; 0 = half "
      "the machine's cores, at least 1. Up to 4 requests per thread wait; more get 429"),
    I("auth.login_fail_per_account", login_fail_account, "5", 0, 1000000,
      "failed sign-ins to one account from one client address in auth.login_fail_window_s before that pair is "
      "refused for the rest of the window (429); 0 = no limit"),
    I("auth.login_fail_per_address", login_fail_address, "30", 0, 1000000,
      "failed sign-ins from one client address in the window before it is refused (429); 0 = no limit"),
    I("auth.login_fail_window_s", login_fail_window_s, "900", 1, 86400, "window of the failed sign-in limits, seconds"),
    I("visibility.k", visib_k, "10", 2, 1000000,
      "observatory: a group of fewer than k workers is suppressed (k-anonymity)"),
    I("visibility.review_days", visib_review_days, "14", 1, 365,
      "days an admin has to answer a worker's request for human review of an automated decision"),
    S("visibility.contractual_status", visib_contract, "self-employed",
      "contractual status of people working through the platform, as declared to authorities"),
};
#define NKEYS (sizeof table / sizeof table[0])

static const centry *find(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(table[i].key, key) == 0) return &table[i];
    return NULL;
}

static int parse_i64(const char *s, int64_t *out)
{
    if (!*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int set_entry(vis_config *c, const centry *e, const char *v, vis_err *err)
{
    char *p = (char *)c + e->off;
    switch (e->type) {
    case T_STR:
        if (strlen(v) >= e->size)
            return vis_errf(err, VIS_EINVAL, "invalid_config", e->key,
                            "config key '%s': value longer than %zu characters", e->key, e->size - 1);
        if (e->off == offsetof(vis_config, durability)) {
            if (strcmp(v, "normal") && strcmp(v, "full"))
                return vis_errf(err, VIS_EINVAL, "invalid_config", e->key,
                                "config key '%s': '%s' is not normal or full", e->key, v);
            c->sync_full = !strcmp(v, "full");
        }
        memcpy(p, v, strlen(v) + 1);
        return 0;
    case T_INT: {
        int64_t x;
        if (parse_i64(v, &x))
            return vis_errf(err, VIS_EINVAL, "invalid_config", e->key,
                            "config key '%s': '%s' is not an integer", e->key, v);
        if (x < e->min || x > e->max)
            return vis_errf(err, VIS_EINVAL, "invalid_config", e->key,
                            "config key '%s': %lld is outside [%lld, %lld]", e->key, (long long)x,
                            (long long)e->min, (long long)e->max);
        *(int64_t *)p = x;
        return 0;
    }
    case T_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "1")) *(bool *)p = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0")) *(bool *)p = false;
        else
            return vis_errf(err, VIS_EINVAL, "invalid_config", e->key,
                            "config key '%s': '%s' is not true or false", e->key, v);
        return 0;
    }
    return 0;
}

void config_defaults(vis_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NKEYS; i++) set_entry(c, &table[i], table[i].def, NULL);
}

int config_set(vis_config *c, const char *key, const char *value, vis_err *err)
{
    const centry *e = find(key);
    if (!e)
        return vis_errf(err, VIS_EINVAL, "unknown_config_key", key, "unknown config key '%s'", key);
    return set_entry(c, e, value, err);
}

int config_set_kv(vis_config *c, const char *kv, vis_err *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return vis_errf(err, VIS_EINVAL, "invalid_config", NULL, "expected KEY=VALUE, got '%s'", kv);
    char key[128];
    size_t n = (size_t)(eq - kv);
    if (n >= sizeof key) n = sizeof key - 1;
    memcpy(key, kv, n);
    key[n] = '\0';
    return config_set(c, key, eq + 1, err);
}

static int load_obj(vis_config *c, json_t *obj, const char *prefix, vis_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        char key[128];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v)) {
            if (load_obj(c, v, key, err)) return err ? err->code : VIS_EINVAL;
            continue;
        }
        const centry *e = find(key);
        if (!e)
            return vis_errf(err, VIS_EINVAL, "unknown_config_key", key, "unknown config key '%s'", key);
        char tmp[1100];
        if (e->type == T_STR && json_is_string(v)) {
            snprintf(tmp, sizeof tmp, "%s", json_string_value(v));
            if (strlen(json_string_value(v)) >= sizeof tmp)
                return vis_errf(err, VIS_EINVAL, "invalid_config", key, "config key '%s': value too long", key);
        } else if (e->type == T_INT && json_is_integer(v)) {
            snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        } else if (e->type == T_BOOL && json_is_boolean(v)) {
            snprintf(tmp, sizeof tmp, "%s", json_is_true(v) ? "true" : "false");
        } else {
            static const char *tn[] = {"a string", "an integer", "true or false"};
            return vis_errf(err, VIS_EINVAL, "invalid_config", key, "config key '%s' must be %s", key,
                            tn[e->type]);
        }
        if (set_entry(c, e, tmp, err)) return err ? err->code : VIS_EINVAL;
    }
    return 0;
}

int config_load_file(vis_config *c, const char *path, vis_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vis_errf(err, VIS_EINVAL, "invalid_config", NULL, "config file %s: line %d: %s", path,
                        je.line, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return vis_errf(err, VIS_EINVAL, "invalid_config", NULL, "config file %s: not a JSON object", path);
    }
    int rc = load_obj(c, root, "", err);
    json_decref(root);
    return rc;
}

void config_print_doc(FILE *f)
{
    static const char *tn[] = {"string", "integer", "bool"};
    for (size_t i = 0; i < NKEYS; i++)
        fprintf(f, "%-26s %-7s default %-18s %s\n", table[i].key, tn[table[i].type],
                *table[i].def ? table[i].def : "\"\"", table[i].doc);
}

char *config_to_json(const vis_config *c)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NKEYS; i++) {
        const char *p = (const char *)c + table[i].off;
        json_t *v = table[i].type == T_STR   ? json_string(p)
                    : table[i].type == T_INT ? json_integer(*(const int64_t *)p)
                                             : json_boolean(*(const bool *)p);
        json_object_set_new(o, table[i].key, v);
    }
    char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    return s;
}
