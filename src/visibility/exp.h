/*
 * exp (prefix export_) — data portability: everything the platform holds about the caller.
 *
 * The export lists its categories and holds exactly those, nothing else:
 *   account                 the account (no password hash)
 *   tokens                  API tokens: label and dates (never the token or its hash)
 *   journal                 every journal event naming the person as worker, or
 *                           made by them and naming no other worker
 *   payments                every payment to them (the journal's "paid" events)
 *   ledger                  every posting on their own ledger accounts
 *   decisions               every automated decision about them (rev.h), with
 *                           system, rule, figures and review
 *   reviews                 their requests for human review and the answers
 *   costs                   the costs they declared
 *   microwork_assignments   their micro-task claims and answers
 * As JSON (export_json), or as a ustar archive (export_tar) of one CSV file per
 * category plus README.txt; the archive is written here (512-byte headers,
 * octal fields, checksum), no library needed. Nothing about other people
 * is included: rows are selected by the person's own id.
 */
#ifndef VIS_VISIBILITY_EXP_H
#define VIS_VISIBILITY_EXP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "core/account.h"
#include "core/config.h"
#include "core/decisions.h"
#include "store/store.h"

/* kinds: the automated-decision kinds (core/decisions.h), for the decisions' texts. */
int export_json(store *db, const vis_config *cfg, const decision_kind *const *kinds, const account *who, int64_t now_ms,
                json_t **out, vis_err *err);
/* *data is malloc'd (the caller frees). */
int export_tar(store *db, const vis_config *cfg, const decision_kind *const *kinds, const account *who, int64_t now_ms,
               char **data, size_t *len, vis_err *err);

/* Pure: append one ustar file entry (header + data + padding) to b; the
 * end-of-archive marker (two zero blocks). */
void export_tar_add(buf *b, const char *name, const char *data, size_t len, int64_t mtime_s);
void export_tar_end(buf *b);
/* Pure: an array of objects as CSV (columns in order of first appearance;
 * strings as they are, other values as JSON). */
void export_csv(buf *b, json_t *rows);

#endif
