/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

#include "control.h"

#include "advertising.h"
#include "central.h"
#include "gatt.h"

static FbIface control_iface;

void
fb_control_error(GDBusMethodInvocation *invocation, const char *name, const char *format, ...)
{
  g_autofree char *full = g_strconcat(FB_CONTROL_ERROR_PREFIX, name, NULL);
  g_autofree char *message = NULL;
  va_list args;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  g_dbus_method_invocation_return_dbus_error(invocation, full, message);
}

void
fb_control_emit(const char *signal, GVariant *parameters)
{
  GDBusConnection *connection = fb_objects_connection();

  if (connection == NULL) {
    if (parameters != NULL)
      g_variant_unref(g_variant_ref_sink(parameters));
    return;
  }
  g_dbus_connection_emit_signal(connection, NULL, FB_CONTROL_PATH, FB_CONTROL_INTERFACE, signal,
                                parameters, NULL);
}

static void
get_advertisement(FbAdapter *adapter, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) all = g_variant_ref_sink(fb_advertising_describe(adapter->advertising));
  gsize n = g_variant_n_children(all);

  if (n == 0) {
    fb_control_error(invocation, "NotFound", "No advertisement is registered");
    return;
  }
  if (n > 1) {
    fb_control_error(invocation, "Failed", "%zu advertisements are registered: GetAdvertisements",
                     n);
    return;
  }
  g_dbus_method_invocation_return_value(invocation, g_variant_get_child_value(all, 0));
}

static void
method_call(FbIface *iface, const char *method, GVariant *parameters,
            GDBusMethodInvocation *invocation)
{
  FbAdapter *adapter = fb_main_adapter();

  if (g_str_equal(method, "AddAdapter")) {
    if (!fb_main_add_adapter())
      fb_control_error(invocation, "AlreadyExists", "The adapter is there");
    else
      g_dbus_method_invocation_return_value(invocation, NULL);
    return;
  }
  if (g_str_equal(method, "RemoveAdapter")) {
    if (!fb_main_remove_adapter())
      fb_control_error(invocation, "NotFound", "There is no adapter");
    else
      g_dbus_method_invocation_return_value(invocation, NULL);
    return;
  }
  if (adapter == NULL) {
    fb_control_error(invocation, "NotFound", "There is no adapter");
    return;
  }
  if (g_str_equal(method, "Connect"))
    fb_central_connect(adapter->central, parameters, invocation);
  else if (g_str_equal(method, "GetAdvertisement"))
    get_advertisement(adapter, invocation);
  else if (g_str_equal(method, "GetAdvertisements"))
    g_dbus_method_invocation_return_value(
        invocation,
        g_variant_new("(@a(a{sv}a{sv}ayay))", fb_advertising_describe(adapter->advertising)));
  else if (g_str_equal(method, "GetApplication"))
    g_dbus_method_invocation_return_value(
        invocation, g_variant_new("(@aa{sv})", fb_gatt_describe(adapter->gatt)));
  else
    fb_central_call(adapter->central, method, parameters, invocation);
}

static GVariant *
get_property(FbIface *iface, const char *name)
{
  return NULL;
}

static const FbIfaceClass control_class = {
  .name = FB_CONTROL_INTERFACE,
  .get_property = get_property,
  .method_call = method_call,
};

void
fb_control_init(void)
{
  control_iface.klass = &control_class;
  fb_object_export(FB_CONTROL_PATH, &control_iface);
}
