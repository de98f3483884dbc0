/* SPDX-License-Identifier: Apache-2.0 */
/* An application's tree (app-tree.h) against made-up input: the bytes
 * taken as a serialized GetManagedObjects reply, a{oa{sa{sv}}} in normal
 * form as D-Bus delivers it, read at the root "/app"; every endpoint it
 * yields then goes through the node's checks, as RegisterApplication does
 * before anything is served. Nothing may crash, leak or do anything
 * undefined, and a refusal always says why. */

#include <gio/gio.h>

#include "app-tree.h"
#include "md-error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) bytes = g_bytes_new(data, size);
  g_autoptr(GVariant) raw =
      g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("a{oa{sa{sv}}}"), bytes, FALSE));
  g_autoptr(GVariant) objects = g_variant_get_normal_form(raw);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) specs = md_app_tree_parse(objects, "/app", &error);

  if (specs == NULL) {
    g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
    g_assert(error->message[0] != '\0');
    return 0;
  }
  g_assert(specs->len > 0);
  for (guint i = 0; i < specs->len; i++) {
    g_autoptr(GError) check_error = NULL;

    if (!md_app_endpoint_spec_check(specs->pdata[i], &check_error))
      g_assert_error(check_error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  }
  return 0;
}
