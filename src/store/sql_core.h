/*
 * sql_core — the SQL of the core (accounts, tokens, ledger, journal,
 * idempotency, settings). Each constant is one statement with $n
 * parameters; the comment gives the parameters and the columns it returns.
 */
#ifndef VIS_STORE_SQL_CORE_H
#define VIS_STORE_SQL_CORE_H

/* accounts */
extern const char SQL_ACCOUNT_INSERT[];      /* role,name,email,pw_hash,created -> */
extern const char SQL_ACCOUNT_BY_ID[];       /* id -> id,role,name,email,status,created_ms */
extern const char SQL_ACCOUNT_BY_EMAIL[];    /* email -> id,role,name,email,status,created_ms,pw_hash */
extern const char SQL_ACCOUNT_COUNT_ROLE[];  /* role -> count */
extern const char SQL_ACCOUNT_EMAIL_EXISTS[]; /* email -> 1 */
extern const char SQL_ACCOUNT_SET_STATUS[];  /* id,status */
extern const char SQL_ACCOUNT_LIST[];        /* role|'',status|'',q (lower-case)|'',after,limit -> ACCOUNT cols */
extern const char SQL_TOKEN_INSERT[];        /* hash,account,label,created,expires|NULL */
extern const char SQL_TOKEN_LOOKUP[];        /* hash,now -> id,role,name,email,status,created_ms */
extern const char SQL_TOKEN_REVOKE[];        /* hash */
/* ledger */
extern const char SQL_LEDGER_ACCOUNT_FIND[]; /* kind,owner,ref,currency -> id,balance */
extern const char SQL_LEDGER_ACCOUNT_INSERT[]; /* kind,owner,ref,currency,may_go_negative */
extern const char SQL_LEDGER_TX_BY_KEY[];    /* key -> id */
extern const char SQL_LEDGER_TX_INSERT[];    /* key|NULL,kind,memo,actor|NULL,created */
extern const char SQL_LEDGER_APPLY[];        /* amount, account (fails CHECK if negative) */
extern const char SQL_LEDGER_POSTING_INSERT[]; /* tx,account,amount,balance_after */
extern const char SQL_LEDGER_SUM_ALL[];      /* -> sum of balances */
extern const char SQL_LEDGER_BALANCE_OWNER[]; /* kind,owner,currency -> sum balance */
extern const char SQL_LEDGER_ACCOUNT_INFO[]; /* id -> kind,owner,balance,may_go_negative,currency */
/* journal */
extern const char SQL_JOURNAL_LAST[];        /* -> id,hash */
extern const char SQL_JOURNAL_INSERT[];      /* id,at,family,event,actor,worker,subject,automated,
                                                span_kind,span_start,span_end,amount,payload,prev,hash */
extern const char SQL_JOURNAL_ALL[];         /* -> every column in id order */
extern const char SQL_JOURNAL_SPANS[];       /* worker,from,to -> span_kind,start,end */
extern const char SQL_JOURNAL_PAID[];        /* worker,from,to -> sum amount */
/* idempotency */
extern const char SQL_IDEM_GET[];            /* account,key -> method,path,status,body */
extern const char SQL_IDEM_PUT[];            /* account,key,method,path,status,body,created,fingerprint */
extern const char SQL_IDEM_DELETE[];         /* account,key */
extern const char SQL_IDEM_PURGE[];          /* created before $1 */
/* settings */
extern const char SQL_SETTING_GET[];         /* key -> value */
extern const char SQL_SETTING_PUT[];         /* key,value */

#endif
