/*
 * version — the version of the platform, the one value both the command
 * line (`visible version`, the serve banner) and the API (`GET /v1/health`)
 * report. It depends on nothing, so any layer may include it.
 */
#ifndef VIS_BASE_VERSION_H
#define VIS_BASE_VERSION_H

#define VIS_VERSION "0.1.0"

#endif
