/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* How matterctl's D-Bus commands reach matterd: the bus chosen with
 * --system or --session, the ObjectManager client at MD_DBUS_MANAGER_PATH
 * that lists the node, its fabrics and sessions, method calls with the
 * flags a change of state needs, and D-Bus errors as one line. */

#include <gio/gio.h>

#include "md-dbus-generated.h"

/* The bus the commands use (main() sets it from --system/--session). */
void md_ctl_bus_set_type(GBusType bus_type);
GBusType md_ctl_bus_get_type(void);
/* "system" or "session", translated. */
const char *md_ctl_bus_name(void);

/* An ObjectManager client of matterd whose objects are MdDBusObject
 * proxies, filled from GetManagedObjects. With @must_run, NULL after
 * saying why when the bus cannot be reached or matterd does not run;
 * without it, only when the bus cannot be reached. */
GDBusObjectManager *md_ctl_bus_manager(gboolean must_run);
/* The node's Node1 proxy from @manager; NULL after saying why. */
MdDBusNode1 *md_ctl_bus_node(GDBusObjectManager *manager);

/* The flags of a call that changes state: interactive authorization
 * (polkit may ask for a password) when standard input is a terminal. */
GDBusCallFlags md_ctl_bus_change_flags(void);
/* The timeout of such a call: no limit while someone may be typing a
 * password, the default otherwise. */
int md_ctl_bus_change_timeout(void);

/* Calls @method of @proxy's interface with @parameters (floating or NULL)
 * as a change of state; the reply (NULL on error) in @reply when not NULL.
 * Returns MD_CTL_EXIT_OK, or MD_CTL_EXIT_FAILURE after printing the
 * error's message. */
int md_ctl_bus_change(GDBusProxy *proxy, const char *method, GVariant *parameters,
                      GVariant **reply);
/* Sets property @name of @proxy's interface to @value (floating) as a
 * change of state; returns as md_ctl_bus_change(). */
int md_ctl_bus_set_property(GDBusProxy *proxy, const char *name, GVariant *value);
/* Reads property @name of @proxy's interface from matterd itself, not
 * from the cache (which a PropertiesChanged signal updates only later). */
GVariant *md_ctl_bus_get_property(GDBusProxy *proxy, const char *name, GError **error);

/* Prints @error's message, without GDBus's "GDBus.Error:<name>: " prefix,
 * as one line; returns MD_CTL_EXIT_FAILURE. */
int md_ctl_bus_failure(GError *error);
