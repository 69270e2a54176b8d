/*
 * reg (prefix sysreg_) — the public register of the automated systems the platform uses.
 *
 * Generated on each request from the running configuration, never written
 * by hand: a static table describes each system (what it decides, which
 * journal events record its decisions, what worker data it uses and does
 * not use, who oversees it and how to contest it) and names the
 * configuration keys that are its parameters; their current values come
 * from config_to_json, so a change of configuration shows at once. A
 * system whose keys are absent from the build (a family not running yet)
 * is listed as not active. The register also says how a worker asks for
 * human review (visibility.review_days) and carries a fingerprint of the
 * whole configuration, so two readers can tell whether they saw the same.
 */
#ifndef VIS_VISIBILITY_REG_H
#define VIS_VISIBILITY_REG_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "core/config.h"

/* The register of automated systems, with the parameters in force (cannot
 * fail: it reads only the configuration). */
json_t *sysreg_json(const vis_config *cfg, int64_t now_ms);

#endif
