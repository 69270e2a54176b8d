/* mod_dsa — the DSA Transparency Database's vocabulary (statement
 * categories, decision types, content types, sources, automation) and the
 * statement of reasons built from a decision. Field names and values are
 * those of the Transparency Database's API (POST /api/v1/statement). */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "moderation/mod_int.h"

static const struct {
    const char *name;
    int         severity;   /* default severity 1..5 */
    bool        graphic;    /* media delivered blurred, counts against the exposure budget */
} cats[MOD_NCATS] = {
    {"STATEMENT_CATEGORY_ANIMAL_WELFARE", 3, true},
    {"STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", 2, false},
    {"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 3, false},
    {"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", 1, false},
    {"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", 2, false},
    {"STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR", 4, true},
    {"STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT", 3, true},
    {"STATEMENT_CATEGORY_PROTECTION_OF_MINORS", 5, true},
    {"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", 5, false},
    {"STATEMENT_CATEGORY_SCAMS_AND_FRAUD", 2, false},
    {"STATEMENT_CATEGORY_SELF_HARM", 5, true},
    {"STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", 1, false},
    {"STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS", 2, false},
    {"STATEMENT_CATEGORY_VIOLENCE", 4, true},
};

#define PREFIX "STATEMENT_CATEGORY_"

const char *mod_category_name(int i) { return i >= 0 && i < MOD_NCATS ? cats[i].name : NULL; }

const char *mod_category_norm(const char *in)
{
    if (!in || !*in) return NULL;
    for (int i = 0; i < MOD_NCATS; i++) {
        if (!strcmp(in, cats[i].name)) return cats[i].name;
        const char *s = cats[i].name + strlen(PREFIX);
        size_t n = strlen(s);
        if (strlen(in) != n) continue;
        size_t k = 0;
        while (k < n && toupper((unsigned char)in[k]) == s[k]) k++;
        if (k == n) return cats[i].name;
    }
    return NULL;
}

static int cat_index(const char *cat)
{
    for (int i = 0; cat && i < MOD_NCATS; i++)
        if (!strcmp(cat, cats[i].name)) return i;
    return -1;
}

int mod_category_severity(const char *cat)
{
    int i = cat_index(cat);
    return i < 0 ? 1 : cats[i].severity;
}

bool mod_category_graphic(const char *cat)
{
    int i = cat_index(cat);
    return i >= 0 && cats[i].graphic;
}

bool mod_category_child_safety(const char *cat)
{
    return cat && !strcmp(cat, "STATEMENT_CATEGORY_PROTECTION_OF_MINORS");
}

static const struct {
    const char *action, *visibility, *account;
} actions[] = {
    {"keep", NULL, NULL},
    {"remove", "DECISION_VISIBILITY_CONTENT_REMOVED", NULL},
    {"disable", "DECISION_VISIBILITY_CONTENT_DISABLED", NULL},
    {"restrict", "DECISION_VISIBILITY_CONTENT_DEMOTED", NULL},
    {"age_restrict", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", NULL},
    {"restrict_interaction", "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", NULL},
    {"label", "DECISION_VISIBILITY_CONTENT_LABELLED", NULL},
    {"suspend", NULL, "DECISION_ACCOUNT_SUSPENDED"},
    {"terminate", NULL, "DECISION_ACCOUNT_TERMINATED"},
};
#define NACTIONS (sizeof actions / sizeof actions[0])

static int action_index(const char *a)
{
    for (size_t i = 0; a && i < NACTIONS; i++)
        if (!strcmp(a, actions[i].action)) return (int)i;
    return -1;
}

bool mod_action_valid(const char *a) { return action_index(a) >= 0; }
bool mod_action_restricts(const char *a) { return action_index(a) > 0; }

void mod_date(int64_t ms, char *buf)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 16, "%Y-%m-%d", &tm);
}

json_t *mod_statement(const mod_sor_in *in)
{
    json_t *o = json_object();
    if (!o) return NULL;
    char puid[48], d1[16], d2[16];
    snprintf(puid, sizeof puid, "visible-decision-%lld", (long long)in->decision_id);
    mod_date(in->content_date_ms, d1);
    mod_date(in->application_ms, d2);
    int ai = action_index(in->action);
    bool restricts = ai > 0;
    json_object_set_new(o, "puid", json_string(puid));
    /* Art. 17 statements are for restrictions; a decision to keep is
     * recorded in the same shape but is not one (nothing to submit). */
    json_object_set_new(o, "restriction", json_boolean(restricts));
    if (ai > 0 && actions[ai].visibility)
        json_object_set_new(o, "decision_visibility", JSON_PACK("[s]", actions[ai].visibility));
    if (ai > 0 && actions[ai].account) json_object_set_new(o, "decision_account", json_string(actions[ai].account));
    if (restricts) {
        bool illegal = in->ground && !strcmp(in->ground, "illegal");
        json_object_set_new(o, "decision_ground", json_string(illegal ? "DECISION_GROUND_ILLEGAL_CONTENT"
                                                                       : "DECISION_GROUND_INCOMPATIBLE_CONTENT"));
        /* the Transparency Database takes at most 2000 characters here
         * (the facts, up to 5000, are whole in decision_facts) */
        char expl[2001];
        size_t n = 0;
        const char *src = in->explanation && *in->explanation ? in->explanation : in->facts ? in->facts : "";
        while (src[n] && n < sizeof expl - 1) n++;
        while (n > 0 && src[n] && ((unsigned char)src[n] & 0xC0) == 0x80) n--; /* not inside a UTF-8 character */
        memcpy(expl, src, n);
        expl[n] = '\0';
        if (illegal) {
            json_object_set_new(o, "illegal_content_legal_ground", json_string(in->legal_ground ? in->legal_ground : ""));
            json_object_set_new(o, "illegal_content_explanation", json_string(expl));
        } else {
            if (in->clause) {
                /* the clause relied on, named in full: "HS-1 Hate speech: You may not …" */
                char g[4400];
                snprintf(g, sizeof g, "%s %s: %s", in->clause->code, in->clause->title, in->clause->text);
                /* the Transparency Database takes at most 500 characters
                 * here: a longer clause is cut at a character boundary
                 * (terms_clause keeps it whole) */
                size_t at = 0, chars = 0;
                while (g[at] && chars < 500) {
                    at++;
                    while (g[at] && ((unsigned char)g[at] & 0xC0) == 0x80) at++;
                    chars++;
                }
                if (g[at]) {
                    while (chars > 499) { /* room for the ellipsis */
                        at--;
                        while (at > 0 && ((unsigned char)g[at] & 0xC0) == 0x80) at--;
                        chars--;
                    }
                    memcpy(g + at, "\xe2\x80\xa6", 4);
                }
                json_object_set_new(o, "incompatible_content_ground", json_string(g));
                json_object_set_new(o, "terms_clause",
                                    JSON_PACK("{s:I, s:s, s:s, s:s}", "id", (json_int_t)in->clause->id, "code",
                                              in->clause->code, "title", in->clause->title, "text", in->clause->text));
            } else {
                json_object_set_new(o, "incompatible_content_ground",
                                    json_string(in->legal_ground && *in->legal_ground
                                                    ? in->legal_ground
                                                    : "the platform's terms of service"));
            }
            json_object_set_new(o, "incompatible_content_explanation", json_string(expl));
        }
    }
    if (in->category && *in->category) json_object_set_new(o, "category", json_string(in->category));
    json_t *ct = json_array();
    if (in->text && *in->text) json_array_append_new(ct, json_string("CONTENT_TYPE_TEXT"));
    if (in->media_kind && !strcmp(in->media_kind, "image")) json_array_append_new(ct, json_string("CONTENT_TYPE_IMAGE"));
    if (in->media_kind && !strcmp(in->media_kind, "video")) json_array_append_new(ct, json_string("CONTENT_TYPE_VIDEO"));
    if (in->media_kind && !strcmp(in->media_kind, "audio")) json_array_append_new(ct, json_string("CONTENT_TYPE_AUDIO"));
    if (json_array_size(ct) == 0) json_array_append_new(ct, json_string("CONTENT_TYPE_OTHER"));
    json_object_set_new(o, "content_type", ct);
    /* the Transparency Database takes an ISO 639-1 code: the primary subtag
     * of a two-letter tag ("en-GB" -> "EN"); other tags are left out */
    size_t ll = in->language ? strcspn(in->language, "-") : 0;
    if (ll == 2) {
        char up[3] = {(char)toupper((unsigned char)in->language[0]), (char)toupper((unsigned char)in->language[1]), 0};
        json_object_set_new(o, "content_language", json_string(up));
    }
    json_object_set_new(o, "content_date", json_string(d1));
    json_object_set_new(o, "application_date", json_string(d2));
    json_object_set_new(o, "decision_facts", json_string(in->facts ? in->facts : ""));
    const char *src = in->trusted_notices > 0 ? "SOURCE_TRUSTED_FLAGGER"
                      : in->notices > 0       ? "SOURCE_ARTICLE_16"
                                              : "SOURCE_VOLUNTARY";
    json_object_set_new(o, "source_type", json_string(src));
    if (in->trusted_notices > 0 && in->source_identity && *in->source_identity)
        json_object_set_new(o, "source_identity", json_string(in->source_identity));
    json_object_set_new(o, "automated_detection", json_string(in->detection_automated ? "Yes" : "No"));
    const char *ad = !strcmp(in->automated, "fully")       ? "AUTOMATED_DECISION_FULLY"
                     : !strcmp(in->automated, "partially") ? "AUTOMATED_DECISION_PARTIALLY"
                                                           : "AUTOMATED_DECISION_NOT_AUTOMATED";
    json_object_set_new(o, "automated_decision", json_string(ad));
    return o;
}
