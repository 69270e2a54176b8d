/* Dispatch's automated decisions, as the person concerned reads them
 * (core/decisions.h): the dispatcher's choice and its offer
 * (disp_svc_epoch.c, disp_svc_common.c) and the alerts about a job
 * (disp_svc_notify.c). */
#include "dispatch/disp_service.h"
#include "dispatch/disp_svc_int.h"

const decision_kind disp_decision_kinds[] = {
    {DISP_FAMILY, "dispatch_decision", "dispatcher", "the assignment that minimises the epoch's total cost",
     "The dispatcher chose to offer you a delivery. You may decline: declining has no consequence for later "
     "offers.",
     NULL},
    {DISP_FAMILY, "offered", "dispatcher", "the assignment that minimises the epoch's total cost",
     "You received a delivery offer chosen by the dispatcher, with its pay shown before acceptance.", NULL},
    {DISP_FAMILY, "no_courier_found", "dispatch_alerts",
     "a job still has no courier a set time after it could have been assigned",
     "The platform raised an alert because a delivery job had found no courier in time; the reason recorded is "
     "what the platform knew about why. It is about the job, not about you.",
     NULL},
    {DISP_FAMILY, "job_late", "dispatch_alerts",
     "a job is not delivered by its ready time plus the quoted courier time plus a grace period",
     "The platform raised an alert because a delivery job was later than the time quoted to the client. It says "
     "nothing about your work and has no consequence for you.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
