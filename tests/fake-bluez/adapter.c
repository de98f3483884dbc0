/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

#include "adapter.h"

#include "advertising.h"
#include "central.h"
#include "gatt.h"

#define ADAPTER_PATH "/org/bluez/hci0"

const char *
fb_adapter_name(FbAdapter *adapter)
{
  return adapter->alias != NULL ? adapter->alias : adapter->system_name;
}

static void
changed(FbAdapter *adapter, const char *property)
{
  fb_object_changed(adapter->path, &adapter->iface, property);
}

void
fb_adapter_uuids_changed(FbAdapter *adapter)
{
  changed(adapter, "UUIDs");
}

static GVariant *
get_property(FbIface *iface, const char *name)
{
  FbAdapter *adapter = iface->user_data;

  if (g_str_equal(name, "Address"))
    return g_variant_new_string(adapter->address);
  if (g_str_equal(name, "AddressType"))
    return g_variant_new_string("public");
  if (g_str_equal(name, "Name"))
    return g_variant_new_string(adapter->system_name);
  if (g_str_equal(name, "Alias"))
    return g_variant_new_string(fb_adapter_name(adapter));
  if (g_str_equal(name, "Class"))
    return g_variant_new_uint32(0);
  if (g_str_equal(name, "Powered"))
    return g_variant_new_boolean(adapter->powered);
  if (g_str_equal(name, "PowerState"))
    return g_variant_new_string(adapter->powered ? "on" : "off");
  if (g_str_equal(name, "Discoverable"))
    return g_variant_new_boolean(adapter->discoverable);
  if (g_str_equal(name, "DiscoverableTimeout"))
    return g_variant_new_uint32(adapter->discoverable_timeout);
  if (g_str_equal(name, "Pairable"))
    return g_variant_new_boolean(adapter->pairable);
  if (g_str_equal(name, "PairableTimeout"))
    return g_variant_new_uint32(adapter->pairable_timeout);
  if (g_str_equal(name, "Discovering"))
    return g_variant_new_boolean(FALSE);
  if (g_str_equal(name, "UUIDs")) {
    g_autoptr(GPtrArray) uuids = fb_gatt_primary_uuids(adapter->gatt);

    g_ptr_array_add(uuids, NULL);
    return g_variant_new_strv((const char *const *) uuids->pdata, -1);
  }
  if (g_str_equal(name, "Roles")) {
    static const char *const roles[] = { "central", "peripheral", NULL };

    return g_variant_new_strv(roles, -1);
  }
  return NULL;
}

/* ---- Power and discoverability ----------------------------------------- */

static void
set_discoverable(FbAdapter *adapter, gboolean discoverable)
{
  g_clear_handle_id(&adapter->discoverable_timer, g_source_remove);
  if (adapter->discoverable == discoverable)
    return;
  adapter->discoverable = discoverable;
  changed(adapter, "Discoverable");
  /* Advertisements without a Flags field of their own follow it. */
  fb_advertising_refresh(adapter->advertising);
}

static gboolean
on_discoverable_timeout(gpointer user_data)
{
  FbAdapter *adapter = user_data;

  adapter->discoverable_timer = 0;
  set_discoverable(adapter, FALSE);
  return G_SOURCE_REMOVE;
}

static void
set_powered(FbAdapter *adapter, gboolean powered)
{
  if (adapter->powered == powered)
    return;
  if (!powered) {
    /* Before the controller goes down: discoverable off, temporary
     * devices removed, links dropped. */
    set_discoverable(adapter, FALSE);
    fb_central_drop_all(adapter->central, "power-off");
  }
  adapter->powered = powered;
  g_message("adapter %s powered %s", adapter->path, powered ? "on" : "off");
  changed(adapter, "Powered");
  if (fb_options()->experimental)
    changed(adapter, "PowerState");
  /* Advertising instances stay registered while the controller is off,
   * and go back on the air when it comes on. */
  fb_control_emit("AdvertisementsChanged", NULL);
}

static gboolean
set_property(FbIface *iface, const char *name, GVariant *value, GError **error)
{
  FbAdapter *adapter = iface->user_data;

  if (g_str_equal(name, "Powered")) {
    set_powered(adapter, g_variant_get_boolean(value));
  } else if (g_str_equal(name, "Discoverable")) {
    gboolean on = g_variant_get_boolean(value);

    if (on == adapter->discoverable)
      return TRUE;
    if (!adapter->powered) {
      g_set_error_literal(error, FB_ERROR, FB_ERROR_FAILED, "Not Powered");
      return FALSE;
    }
    set_discoverable(adapter, on);
    if (on && adapter->discoverable_timeout > 0)
      adapter->discoverable_timer =
          g_timeout_add_seconds(adapter->discoverable_timeout, on_discoverable_timeout, adapter);
  } else if (g_str_equal(name, "DiscoverableTimeout")) {
    adapter->discoverable_timeout = g_variant_get_uint32(value);
    changed(adapter, name);
    if (adapter->discoverable) {
      g_clear_handle_id(&adapter->discoverable_timer, g_source_remove);
      if (adapter->discoverable_timeout > 0)
        adapter->discoverable_timer =
            g_timeout_add_seconds(adapter->discoverable_timeout, on_discoverable_timeout, adapter);
    }
  } else if (g_str_equal(name, "Alias")) {
    const char *alias = g_variant_get_string(value, NULL);

    g_free(adapter->alias);
    adapter->alias = alias[0] != '\0' ? g_strdup(alias) : NULL;
    changed(adapter, "Alias");
    /* The controller's name, which scan responses may carry. */
    fb_advertising_refresh(adapter->advertising);
  } else if (g_str_equal(name, "Pairable")) {
    adapter->pairable = g_variant_get_boolean(value);
    changed(adapter, name);
  } else if (g_str_equal(name, "PairableTimeout")) {
    adapter->pairable_timeout = g_variant_get_uint32(value);
    changed(adapter, name);
  }
  return TRUE;
}

static void
method_call(FbIface *iface, const char *method, GVariant *parameters,
            GDBusMethodInvocation *invocation)
{
  FbAdapter *adapter = iface->user_data;
  const char *path;

  g_variant_get(parameters, "(&o)", &path);
  fb_central_remove_device(adapter->central, path, invocation);
}

static const FbIfaceClass adapter_class = {
  .name = FB_ADAPTER_INTERFACE,
  .get_property = get_property,
  .set_property = set_property,
  .method_call = method_call,
};

/* ---- Life ------------------------------------------------------------ */

static gboolean
on_power_on(gpointer user_data)
{
  FbAdapter *adapter = user_data;

  adapter->power_idle = 0;
  set_powered(adapter, TRUE);
  return G_SOURCE_REMOVE;
}

/* LEAdvertisingManager1 appears once bluetoothd knows the controller's
 * advertising features, after Adapter1 and GattManager1. */
static gboolean
on_advertising_ready(gpointer user_data)
{
  FbAdapter *adapter = user_data;

  adapter->advertising_idle = 0;
  adapter->advertising = fb_advertising_new(adapter);
  fb_objects_flush();
  if (fb_options()->auto_enable)
    adapter->power_idle = g_idle_add(on_power_on, adapter);
  return G_SOURCE_REMOVE;
}

FbAdapter *
fb_adapter_new(const FbOptions *options)
{
  FbAdapter *adapter = g_new0(FbAdapter, 1);

  adapter->path = g_strdup(ADAPTER_PATH);
  adapter->address = g_strdup(options->bdaddr);
  adapter->system_name = g_strdup(options->name);
  adapter->discoverable_timeout = 180;
  adapter->pairable = TRUE;
  adapter->bredr = !options->le_only;
  adapter->iface.klass = &adapter_class;
  adapter->iface.user_data = adapter;
  adapter->central = fb_central_new(adapter);
  fb_object_add(adapter->path, &adapter->iface);
  adapter->gatt = fb_gatt_new(adapter);
  fb_objects_flush();
  adapter->advertising_idle = g_idle_add(on_advertising_ready, adapter);
  return adapter;
}

void
fb_adapter_shutdown(FbAdapter *adapter)
{
  g_clear_handle_id(&adapter->power_idle, g_source_remove);
  set_powered(adapter, FALSE);
}

void
fb_adapter_free(FbAdapter *adapter)
{
  if (adapter == NULL)
    return;
  g_clear_handle_id(&adapter->power_idle, g_source_remove);
  g_clear_handle_id(&adapter->advertising_idle, g_source_remove);
  g_clear_handle_id(&adapter->discoverable_timer, g_source_remove);
  fb_central_drop_all(adapter->central, "adapter-removed");
  fb_advertising_free(g_steal_pointer(&adapter->advertising));
  fb_gatt_free(g_steal_pointer(&adapter->gatt));
  fb_central_free(adapter->central);
  fb_object_remove(adapter->path, &adapter->iface);
  fb_objects_flush();
  g_free(adapter->path);
  g_free(adapter->address);
  g_free(adapter->system_name);
  g_free(adapter->alias);
  g_free(adapter);
}
