// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: instantiates the dmem trace events
 * (include/trace/events/dmem.h).
 */

#define CREATE_TRACE_POINTS
#include <trace/events/dmem.h>
