/* sql_dispatch — the SQL of on-demand delivery (migration 3; $n parameters). */
#ifndef VIS_STORE_SQL_DISPATCH_H
#define VIS_STORE_SQL_DISPATCH_H

extern const char SQL_DISP_PLACE_INSERT[];
extern const char SQL_DISP_PLACE_GET[];
extern const char SQL_DISP_PLACES_OF[];
extern const char SQL_DISP_SHIFT_INSERT[];
extern const char SQL_DISP_SHIFT_GET[];
extern const char SQL_DISP_SHIFT_START[];
extern const char SQL_DISP_SHIFT_LAST[];
extern const char SQL_DISP_SHIFT_END[];
extern const char SQL_DISP_SHIFT_ADD_PAY[];
extern const char SQL_DISP_SHIFT_ADD_COMP[];
extern const char SQL_DISP_COURIER_GET[];
extern const char SQL_DISP_COURIER_ONLINE[];
extern const char SQL_DISP_COURIER_OFFLINE[];
extern const char SQL_DISP_COURIER_POSITION[];
extern const char SQL_DISP_COURIER_BUSY[];
extern const char SQL_DISP_COURIER_IDLE[];
extern const char SQL_DISP_COURIER_VISIT[];
extern const char SQL_DISP_COURIER_VISIT_PAID[];
extern const char SQL_DISP_COURIER_ACTIVE_COUNT[];
extern const char SQL_DISP_COURIER_PENDING_COUNT[];
extern const char SQL_DISP_COURIER_PICKUPS[];
extern const char SQL_DISP_JOB_INSERT[];
extern const char SQL_DISP_JOB_GET[];
extern const char SQL_DISP_JOBS_OF_CLIENT[];
extern const char SQL_DISP_JOBS_OF_COURIER[];
extern const char SQL_DISP_JOBS_LIVE[];
extern const char SQL_DISP_JOBS_OF_SHIFT[];
extern const char SQL_DISP_ROUTE_EVENTS[];
extern const char SQL_DISP_ROUTE_IN_HAND[];
extern const char SQL_DISP_JOB_OFFERED[];
extern const char SQL_DISP_JOBS_REOPEN[];
extern const char SQL_DISP_JOBS_ACCEPT[];
extern const char SQL_DISP_JOB_PICKED[];
extern const char SQL_DISP_JOB_DELIVERED[];
extern const char SQL_DISP_JOB_CANCEL[];
extern const char SQL_DISP_JOB_UNASSIGN[];
extern const char SQL_DISP_OFFER_INSERT[];
extern const char SQL_DISP_OFFER_JOB_INSERT[];
extern const char SQL_DISP_OFFER_GET[];
extern const char SQL_DISP_OFFER_HEAD[];
extern const char SQL_DISP_OFFER_JOBS[];
extern const char SQL_DISP_OFFER_JOB_IDS[];
extern const char SQL_DISP_OFFER_SET_STATE[];
extern const char SQL_DISP_OFFERS_PENDING_OF[];
extern const char SQL_DISP_OFFERS_LIVE_OF[];
extern const char SQL_DISP_OFFERS_PENDING[];
extern const char SQL_DISP_OFFERS_DUE[];
extern const char SQL_DISP_EPOCH_COURIERS[];
extern const char SQL_DISP_EPOCH_JOBS[];
extern const char SQL_DISP_EPOCH_DECLINED[];
extern const char SQL_DISP_BOARD_COURIERS[];
extern const char SQL_DISP_OFF_DUTY_SET[];
extern const char SQL_DISP_OFF_DUTY_GET[];
extern const char SQL_DISP_OFF_DUTY_END[];
extern const char SQL_DISP_OFF_DUTY_ALL[];
extern const char SQL_DISP_HANDBACK_INSERT[];
extern const char SQL_DISP_LOCEX_INSERT[];
extern const char SQL_DISP_LOCEX_OF_JOB[];
extern const char SQL_DISP_LOCEX_RECENT[];

extern const char SQL_DISP_ONBOARD_GET[];
extern const char SQL_DISP_ONBOARD_SET[];
extern const char SQL_DISP_ONBOARD_LIST[]; /* state|'',after,limit -> id,name,email,state,reason,since_ms|NULL,admin|NULL */
extern const char SQL_DISP_AREAS_ALL[];
extern const char SQL_DISP_AREAS_CLEAR[];
extern const char SQL_DISP_AREA_INSERT[];
extern const char SQL_DISP_SHIFT_ADD_INSIDE[];
extern const char SQL_DISP_SHIFT_INSIDE[];


/* ---- h-fleet ---- vehicles and booked slots: migration 15 */
extern const char SQL_DISP_VEHICLE_GET[];
extern const char SQL_DISP_VEHICLE_SET[];
extern const char SQL_DISP_VEHICLES_ALL[];
extern const char SQL_DISP_SLOT_INSERT[];
extern const char SQL_DISP_SLOT_GET[];
extern const char SQL_DISP_SLOTS_FROM[];
extern const char SQL_DISP_SLOT_BOOKED[];
extern const char SQL_DISP_SLOT_MINE[];
extern const char SQL_DISP_SLOT_BOOK[];
extern const char SQL_DISP_SLOT_CANCEL[];
extern const char SQL_DISP_SLOTS_OF_COURIER[];

/* ---- h-notify ---- */
extern const char SQL_DISP_HOOK_GET[];
extern const char SQL_DISP_HOOK_PUT[];
extern const char SQL_DISP_CB_INSERT[];
extern const char SQL_DISP_CB_DUE[];
extern const char SQL_DISP_CB_DELIVERED[];
extern const char SQL_DISP_CB_FAILED[];
extern const char SQL_DISP_CB_OF_CLIENT[];
extern const char SQL_DISP_NOTIFY_CURSOR[];
extern const char SQL_DISP_NOTIFY_CURSOR_SET[];
extern const char SQL_DISP_NOTIFY_EVENTS[];
extern const char SQL_DISP_NOTIFY_JOB[];
extern const char SQL_DISP_DROPOFF_PUT[];
extern const char SQL_DISP_DROPOFF_GET[];
extern const char SQL_DISP_DROPOFF_ERASE[];
extern const char SQL_DISP_ALERT_UNASSIGNED[];
extern const char SQL_DISP_ALERT_LATE[];
extern const char SQL_DISP_ALERT_INSERT[];
extern const char SQL_DISP_ALERTS_OPEN[];
extern const char SQL_DISP_JOB_OFFER_COUNTS[];
extern const char SQL_DISP_ONLINE_ON_DUTY[];
extern const char SQL_DISP_CLIENT_CHANGED[];
extern const char SQL_DISP_ALERTS_OF_JOB[];

#endif
