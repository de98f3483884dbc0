/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "build-config.h"

#include "notify.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void
notify(const char *state)
{
#if HAVE_LIBSYSTEMD
  int r = sd_notify(0, state);

  if (r < 0)
    g_warning("Cannot notify the service manager (%s): %s", state, g_strerror(-r));
#else
  (void) state;
#endif
}

void
md_notify_ready(const char *status)
{
  g_autofree char *state = g_strdup_printf("READY=1\nSTATUS=%s", status);

  notify(state);
}

void
md_notify_status(const char *status)
{
  g_autofree char *state = g_strdup_printf("STATUS=%s", status);

  notify(state);
}

void
md_notify_stopping(void)
{
  notify("STOPPING=1\nSTATUS=Shutting down");
}

#if HAVE_LIBSYSTEMD
static gboolean
watchdog_ping(gpointer user_data)
{
  notify("WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}
#endif

guint
md_notify_watchdog_start(void)
{
#if HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  int r = sd_watchdog_enabled(0, &usec);

  if (r < 0) {
    g_warning("Ignoring an invalid watchdog setting: %s", g_strerror(-r));
    return 0;
  }
  if (r == 0 || usec == 0)
    return 0;
  g_debug("Watchdog enabled, pinging every %" G_GUINT64_FORMAT " ms", usec / 2000);
  return g_timeout_add(MAX(usec / 2000, 1), watchdog_ping, NULL);
#else
  return 0;
#endif
}
