/* SPDX-License-Identifier: Apache-2.0 */
#include "node-storage.h"

#include <string.h>

typedef struct {
  gsize len;
  guint8 data[];
} Secret;

static void
secret_free(gpointer user_data)
{
  Secret *secret = user_data;

  matter_secure_zero(secret->data, secret->len);
  g_free(secret);
}

/* GBytes is immutable, so the copy lives in memory of our own that the
 * free function wipes once the last reference went. */
GBytes *
md_secret_bytes_new(const void *data, gsize len)
{
  Secret *secret = g_malloc(sizeof(Secret) + len);

  secret->len = len;
  if (len > 0)
    memcpy(secret->data, data, len);
  return g_bytes_new_with_free_func(secret->data, len, secret_free, secret);
}

void
md_fabric_record_free(MdFabricRecord *fabric)
{
  if (fabric == NULL)
    return;
  g_free(fabric->label);
  g_clear_pointer(&fabric->rcac, g_bytes_unref);
  g_clear_pointer(&fabric->icac, g_bytes_unref);
  g_clear_pointer(&fabric->noc, g_bytes_unref);
  g_clear_pointer(&fabric->operational_key, g_bytes_unref);
  g_clear_pointer(&fabric->ipk_epoch_key, g_bytes_unref);
  g_clear_pointer(&fabric->vid_verification_statement, g_bytes_unref);
  g_clear_pointer(&fabric->vvsc, g_bytes_unref);
  g_clear_pointer(&fabric->acl_extension, g_bytes_unref);
  g_free(fabric);
}

static GBytes *
ref_or_null(GBytes *bytes)
{
  return bytes != NULL ? g_bytes_ref(bytes) : NULL;
}

MdFabricRecord *
md_fabric_record_copy(const MdFabricRecord *fabric)
{
  MdFabricRecord *copy = g_new0(MdFabricRecord, 1);

  *copy = *fabric;
  copy->label = g_strdup(fabric->label != NULL ? fabric->label : "");
  copy->rcac = ref_or_null(fabric->rcac);
  copy->icac = ref_or_null(fabric->icac);
  copy->noc = ref_or_null(fabric->noc);
  /* The secrets are shared, not duplicated: GBytes are immutable, and the
   * last reference wipes them. */
  copy->operational_key = ref_or_null(fabric->operational_key);
  copy->ipk_epoch_key = ref_or_null(fabric->ipk_epoch_key);
  copy->vid_verification_statement = ref_or_null(fabric->vid_verification_statement);
  copy->vvsc = ref_or_null(fabric->vvsc);
  copy->acl_extension = ref_or_null(fabric->acl_extension);
  return copy;
}
