/* sql_visibility — the SQL of the visibility layer ($n parameters): its own
 * tables (obs_costs, rev_requests) and read-only queries over the journal,
 * the ledger and the families' tables (to name the client of a piece of
 * work). */
#ifndef VIS_STORE_SQL_VISIBILITY_H
#define VIS_STORE_SQL_VISIBILITY_H

/* the journal row read by every query below that returns events:
   id, at_ms, family, event, actor|-1, worker|-1, subject, automated, span_kind|'',
   span_start|0, span_end|0, has_amount, amount|0, payload */
#define OBS_JROW_COLS 14

/* costs */
extern const char SQL_OBS_COST_INSERT[];   /* worker,family,per_km,per_hour,from,note,created */
extern const char SQL_OBS_COSTS_OF[];      /* worker -> id,family,per_km,per_hour,from_ms,note,created_ms */
/* accounting */
extern const char SQL_OBS_EVENTS[];        /* worker,from,to -> jrow (spans overlapping, amounts and distances in) */
extern const char SQL_OBS_WORKERS[];       /* from,to -> worker_id (with a span or an amount in the period) */
extern const char SQL_OBS_REMEDY_WORK_AT[]; /* review -> the work time of the reviewed decision */
extern const char SQL_OBS_OPEN_ACTIVE[];   /* courier -> accepted_ms, client of the earliest job in hand */
extern const char SQL_OBS_OPEN_WAITING[];  /* courier -> idle_since_ms (online, no job in hand) */
extern const char SQL_OBS_ONLINE_COURIERS[]; /* -> courier_id of every courier online */
extern const char SQL_OBS_CLIENT_OF_TX[];  /* ledger tx -> client that paid (escrow or funds debited) */
extern const char SQL_OBS_CLIENT_OF_ASSIGNMENT[]; /* id -> client_id */
extern const char SQL_OBS_CLIENT_OF_BATCH[];
extern const char SQL_OBS_CLIENT_OF_TASK[];
extern const char SQL_OBS_CLIENT_OF_JOB[];  /* dispatch: disp_jobs */
extern const char SQL_OBS_CLIENT_OF_ITEM[]; /* moderation: mod_items (a review) */
extern const char SQL_OBS_CLIENT_OF_CONTENT[]; /* moderation: mod_content */
extern const char SQL_OBS_OUTPUT_MODERATION[]; /* from,to -> content decided, decided or checked by a human */
extern const char SQL_OBS_OUTPUT[];        /* family,from,to,count_automated,event|'' -> items, made/checked by humans */
extern const char SQL_OBS_WORKERS_REGISTERED[]; /* -> count of worker accounts */
extern const char SQL_OBS_WORKER_ACTIVITY[]; /* worker -> first span start, last span end */
/* decisions and reviews */
extern const char SQL_REV_AUTOMATED_OF[];  /* worker -> jrow (automated, naming the worker) */
extern const char SQL_REV_SUBJECTS_OF[];   /* worker -> subject, payload of every event naming the worker */
extern const char SQL_REV_AUTOMATED_SUBJECT[]; /* subject -> jrow (automated, naming no worker) */
extern const char SQL_REV_JOURNAL_GET[];   /* id -> jrow */
extern const char SQL_REV_INSERT[];        /* worker,journal,family,event,message,created,due */
extern const char SQL_REV_GET[];           /* id -> REV cols */
extern const char SQL_REV_OF_WORKER[];     /* worker -> REV cols */
extern const char SQL_REV_ALL[];           /* state|'' -> REV cols, by due date */
extern const char SQL_REV_BY_JOURNAL[];    /* worker,journal -> id */
extern const char SQL_REV_OVERDUE_DUE[];  /* now -> id, worker, journal, due (open, past due, not yet journalled) */
extern const char SQL_REV_OVERDUE_MARK[]; /* id, now */
extern const char SQL_REV_DECIDE[];        /* id,state,reasons,responder,decided,remedy (only while open) */
/* export */
extern const char SQL_EXP_JOURNAL[];       /* account -> jrow: events naming it, or it acted on nobody else */
extern const char SQL_EXP_TOKENS[];        /* account -> label, created_ms, expires_ms|-1, revoked */
extern const char SQL_EXP_POSTINGS[];      /* owner -> tx,created,tx kind,memo,account kind,ref,currency,amount,balance_after */
extern const char SQL_EXP_MW_ASSIGNMENTS[]; /* worker -> id,batch,task,state,claimed,submitted|-1,duration|-1,answer,
                                               review_reason,paid,bonus */

#endif
