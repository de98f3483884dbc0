/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The service manager's side channel (sd_notify): readiness, status,
 * stopping, and the watchdog keep-alive. Without libsystemd, or when
 * NOTIFY_SOCKET is not set, every call does nothing. */

#include <glib.h>

void md_notify_ready(const char *status);
void md_notify_status(const char *status);
void md_notify_stopping(void);

/* When the service manager asked for a watchdog (WATCHDOG_USEC), pings it
 * from the default main context at half the interval. Returns the source
 * id, or 0 when no watchdog is wanted. */
guint md_notify_watchdog_start(void);
