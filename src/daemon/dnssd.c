/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "build-config.h"

#include "dnssd.h"

#include <string.h>

#include "fabric-table.h"
#include "matter/crypto.h"
#include "matter/session.h"

#if ENABLE_DNSSD
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>
#endif

/* ---- What to publish ------------------------------------------------- */

/* Pairing hint bits (Core spec 4.3.1.11, table 6). */
#define PAIRING_HINT_POWER_CYCLE (1u << 0)
#define PAIRING_HINT_ADMINISTRATOR (1u << 2)

void
md_dnssd_service_free(MdDnssdService *service)
{
  if (service == NULL)
    return;
  g_free(service->name);
  g_strfreev(service->subtypes);
  g_strfreev(service->txt);
  g_free(service);
}

static gboolean
strv_equal(const char *const *a, const char *const *b)
{
  return g_strv_equal(a != NULL ? a : (const char *const[]){ NULL },
                      b != NULL ? b : (const char *const[]){ NULL });
}

gboolean
md_dnssd_service_equal(const MdDnssdService *a, const MdDnssdService *b)
{
  return a->kind == b->kind && g_str_equal(a->type, b->type) && g_str_equal(a->name, b->name) &&
         a->port == b->port &&
         strv_equal((const char *const *) a->subtypes, (const char *const *) b->subtypes) &&
         strv_equal((const char *const *) a->txt, (const char *const *) b->txt);
}

const char *
md_dnssd_service_txt(const MdDnssdService *service, const char *key)
{
  gsize key_len = strlen(key);

  for (char **entry = service->txt; entry != NULL && *entry != NULL; entry++)
    if (strncmp(*entry, key, key_len) == 0 && (*entry)[key_len] == '=')
      return *entry + key_len + 1;
  return NULL;
}

/* 64-bit identifiers in instance names and subtypes: sixteen upper-case
 * hexadecimal digits, leading zeroes kept (4.3.1, 4.3.2.1). */
static char *
hex64(guint64 value)
{
  return g_strdup_printf("%016" G_GINT64_MODIFIER "X", value);
}

static void add_txt(GPtrArray *txt, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
add_txt(GPtrArray *txt, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_ptr_array_add(txt, g_strdup_vprintf(format, args));
  va_end(args);
}

static GStrv
steal_strv(GPtrArray *array)
{
  g_ptr_array_add(array, NULL);
  return (GStrv) g_ptr_array_free(array, FALSE);
}

/* The common keys of 4.3.4. SII, SAI and SAT only override defaults a
 * peer assumes anyway, so they say exactly what the node announces when a
 * session is established, and are absent when it announces nothing (today
 * its PASE responder sends no session parameters: it runs on the
 * defaults). SII and SAI are capped at the hour 4.3.4 allows.
 *
 * T is absent: absence means "no TCP", which is the truth while matterd
 * serves Matter over UDP only. ICD is absent too: the key is for
 * intermittently connected devices, and matterd is always on. */
static void
add_common_txt(GPtrArray *txt, const MatterSessionParams *params)
{
  if (params->present & MATTER_SESSION_PARAM_IDLE_INTERVAL)
    add_txt(txt, "SII=%u", MIN(params->idle_interval_ms, MATTER_SESSION_INTERVAL_MAX_MS));
  if (params->present & MATTER_SESSION_PARAM_ACTIVE_INTERVAL)
    add_txt(txt, "SAI=%u", MIN(params->active_interval_ms, MATTER_SESSION_INTERVAL_MAX_MS));
  if (params->present & MATTER_SESSION_PARAM_ACTIVE_THRESHOLD)
    add_txt(txt, "SAT=%u", params->active_threshold_ms);
}

/* How a user puts the node into commissioning mode (4.3.1.11): a node in
 * no fabric opens a window whenever it starts (bit 0, "power cycle"); a
 * commissioned one opens a window when an administrator asks (bit 2).
 * Neither needs PI, so PI is never published. */
static guint
pairing_hint(const MdDnssdState *state)
{
  return state->commissioned ? PAIRING_HINT_ADMINISTRATOR : PAIRING_HINT_POWER_CYCLE;
}

/* 4.3.1: subtypes and TXT keys of the commissionable service. Left out:
 * _T and DT (the node has only its root endpoint, no primary device type
 * of an application yet), DN (4.3.1.9 wants a user-set name the user can
 * switch off; matterd has none), RI (no Rotating Device Identifier). */
static MdDnssdService *
describe_commissionable(const MdDnssdState *state)
{
  MdDnssdService *service = g_new0(MdDnssdService, 1);
  GPtrArray *subtypes = g_ptr_array_new();
  GPtrArray *txt = g_ptr_array_new();

  service->kind = MD_DNSSD_COMMISSIONABLE;
  service->type = MD_DNSSD_COMMISSIONABLE_TYPE;
  service->name = hex64(state->commissionable_id);
  service->port = state->port;

  /* Decimal without leading zeroes; _S is the upper 4 of the 12 bits. */
  add_txt(subtypes, "_L%u", state->discriminator & 0xFFFu);
  add_txt(subtypes, "_S%u", (state->discriminator & 0xFFFu) >> 8);
  add_txt(subtypes, "_V%u", state->vendor_id);
  /* Published only while a window is open: always in commissioning mode. */
  add_txt(subtypes, "_CM");
  service->subtypes = steal_strv(subtypes);

  add_txt(txt, "D=%u", state->discriminator & 0xFFFu);
  /* 4.3.1.7: 1 for the node's own passcode, 2 for an administrator's. */
  add_txt(txt, "CM=%u", state->window == MD_WINDOW_ENHANCED ? 2u : 1u);
  add_txt(txt, "VP=%u+%u", state->vendor_id, state->product_id);
  add_common_txt(txt, &state->session_params);
  add_txt(txt, "PH=%u", pairing_hint(state));
  service->txt = steal_strv(txt);
  return service;
}

/* 4.3.2: "<compressed fabric id>-<node id>", subtype _I<compressed fabric
 * id>, and only the common TXT keys. */
static MdDnssdService *
describe_operational(const MdDnssdState *state, const MdDnssdFabric *fabric)
{
  MdDnssdService *service = g_new0(MdDnssdService, 1);
  g_autofree char *cfid = hex64(fabric->compressed_fabric_id);
  g_autofree char *node_id = hex64(fabric->node_id);
  GPtrArray *subtypes = g_ptr_array_new();
  GPtrArray *txt = g_ptr_array_new();

  service->kind = MD_DNSSD_OPERATIONAL;
  service->type = MD_DNSSD_OPERATIONAL_TYPE;
  service->name = g_strdup_printf("%s-%s", cfid, node_id);
  service->port = state->port;
  add_txt(subtypes, "_I%s", cfid);
  service->subtypes = steal_strv(subtypes);
  add_common_txt(txt, &state->session_params);
  service->txt = steal_strv(txt);
  return service;
}

GPtrArray *
md_dnssd_describe(const MdDnssdState *state)
{
  GPtrArray *services = g_ptr_array_new_with_free_func((GDestroyNotify) md_dnssd_service_free);

  if (state->window != MD_WINDOW_CLOSED)
    g_ptr_array_add(services, describe_commissionable(state));
  for (gsize i = 0; i < state->fabric_count; i++) {
    MdDnssdService *service = describe_operational(state, &state->fabrics[i]);
    gboolean duplicate = FALSE;

    /* Two fabrics of one compressed id and node id would be one name. */
    for (guint j = 0; j < services->len && !duplicate; j++)
      duplicate = md_dnssd_service_equal(services->pdata[j], service);
    if (duplicate)
      md_dnssd_service_free(service);
    else
      g_ptr_array_add(services, service);
  }
  return services;
}

/* ---- The node's state ------------------------------------------------ */

/* A pseudo-random 64-bit instance name (4.3.1) from the DRBG. */
static guint64
random_instance_id(void)
{
  guint8 bytes[8];
  guint64 id = 0;

  if (matter_random(bytes, sizeof(bytes)) != MATTER_OK) {
    g_warning("DNS-SD: no randomness from the DRBG; choosing the instance name with GLib's");
    return (guint64) g_random_int() << 32 | g_random_int();
  }
  for (gsize i = 0; i < sizeof(bytes); i++)
    id = id << 8 | bytes[i];
  return id;
}

/* The fabric table's view, pending fabric included: a commissioner finds
 * the node for CASE before CommissioningComplete commits its fabric. */
static void
read_fabrics(MdNode *node, GArray *fabrics)
{
  MdFabricTable *table = md_node_get_fabrics(node);
  const MdFabric *fabric;

  g_array_set_size(fabrics, 0);
  for (guint n = 0; (fabric = md_fabric_table_nth(table, n)) != NULL; n++) {
    MdDnssdFabric entry = {
      .compressed_fabric_id = fabric->compressed_fabric_id,
      .node_id = fabric->node_id,
    };
    g_array_append_val(fabrics, entry);
  }
}

#if ENABLE_DNSSD

/* ---- Publishing through avahi-daemon ---------------------------------- */

/* An operational name is the node's identity on its fabric (4.3.2.1):
 * another name would not be found, so a collision is retried with the
 * same name after this long (the spacing RFC 6762 8.1 asks of a host
 * that keeps meeting conflicts). */
#define OPERATIONAL_RETRY_S 5
/* When no client could be made at all (no system bus). */
#define RECONNECT_S 10

typedef struct {
  MdDnssd *owner;
  MdDnssdService *service;
  AvahiEntryGroup *group; /* NULL: not registered with avahi-daemon now */
  guint retry_id;
} Entry;

struct _MdDnssd {
  AvahiGLibPoll *poll;
  AvahiClient *client;
  gboolean running; /* the client is in AVAHI_CLIENT_S_RUNNING */
  gboolean warned;  /* the one warning about avahi-daemon's absence */
  guint reconnect_id;

  MdDnssdState state;
  GArray *fabrics;    /* MdDnssdFabric: state.fabrics */
  GPtrArray *entries; /* Entry: what is wanted, registered or not */
};

static void connect_client(MdDnssd *self);

static const char *
kind_name(MdDnssdKind kind)
{
  return kind == MD_DNSSD_COMMISSIONABLE ? "commissionable" : "operational";
}

static void
entry_free(Entry *entry)
{
  g_clear_handle_id(&entry->retry_id, g_source_remove);
  /* Freeing the group withdraws its records from the network. */
  g_clear_pointer(&entry->group, avahi_entry_group_free);
  md_dnssd_service_free(entry->service);
  g_free(entry);
}

static AvahiStringList *
txt_list(const MdDnssdService *service)
{
  AvahiStringList *list = NULL;

  for (char **item = service->txt; item != NULL && *item != NULL; item++)
    list = avahi_string_list_add(list, *item);
  /* add() prepends. */
  return avahi_string_list_reverse(list);
}

static int
add_service(Entry *entry)
{
  const MdDnssdService *service = entry->service;
  AvahiStringList *txt = txt_list(service);
  int ret;

  ret = avahi_entry_group_add_service_strlst(entry->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                             service->name, service->type, NULL, NULL,
                                             service->port, txt);
  avahi_string_list_free(txt);
  for (char **sub = service->subtypes; ret == AVAHI_OK && sub != NULL && *sub != NULL; sub++) {
    g_autofree char *subtype = g_strdup_printf("%s._sub.%s", *sub, service->type);

    ret = avahi_entry_group_add_service_subtype(entry->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                0, service->name, service->type, NULL, subtype);
  }
  if (ret == AVAHI_OK)
    ret = avahi_entry_group_commit(entry->group);
  return ret;
}

static void on_group_state(AvahiEntryGroup *group, AvahiEntryGroupState state, void *user_data);
static void collided(Entry *entry);

/* Registers @entry's service, reusing its group (a renamed service is a
 * new one, 4.3.1: its old records go first). */
static void
register_entry(Entry *entry)
{
  MdDnssd *self = entry->owner;
  int ret;

  if (!self->running || entry->retry_id != 0)
    return;
  if (entry->group == NULL)
    entry->group = avahi_entry_group_new(self->client, on_group_state, entry);
  else
    avahi_entry_group_reset(entry->group);
  if (entry->group == NULL) {
    g_warning("DNS-SD: cannot publish %s.%s: %s", entry->service->name, entry->service->type,
              avahi_strerror(avahi_client_errno(self->client)));
    return;
  }
  ret = add_service(entry);
  if (ret == AVAHI_ERR_COLLISION) {
    collided(entry);
  } else if (ret != AVAHI_OK) {
    g_warning("DNS-SD: cannot publish %s.%s: %s", entry->service->name, entry->service->type,
              avahi_strerror(ret));
    avahi_entry_group_reset(entry->group);
  }
}

static gboolean
retry_entry(gpointer user_data)
{
  Entry *entry = user_data;

  entry->retry_id = 0;
  register_entry(entry);
  return G_SOURCE_REMOVE;
}

/* 4.3.1: a commissionable name taken on the network is replaced by a new
 * random one. The entry keeps its group and takes the new description. */
static void
rename_commissionable(Entry *entry)
{
  MdDnssd *self = entry->owner;
  g_autoptr(GPtrArray) wanted = NULL;
  g_autofree char *old = g_strdup(entry->service->name);

  self->state.commissionable_id = random_instance_id();
  wanted = md_dnssd_describe(&self->state);
  if (wanted->len == 0 || ((MdDnssdService *) wanted->pdata[0])->kind != MD_DNSSD_COMMISSIONABLE)
    return;
  md_dnssd_service_free(entry->service);
  entry->service = g_ptr_array_steal_index(wanted, 0);
  g_message("DNS-SD: commissionable instance name %s is taken on the network; now %s", old,
            entry->service->name);
  register_entry(entry);
}

static void
collided(Entry *entry)
{
  if (entry->service->kind == MD_DNSSD_COMMISSIONABLE) {
    rename_commissionable(entry);
    return;
  }
  g_warning("DNS-SD: another host publishes %s.%s, the operational name of this node on that "
            "fabric; trying again in %d s",
            entry->service->name, entry->service->type, OPERATIONAL_RETRY_S);
  avahi_entry_group_reset(entry->group);
  entry->retry_id = g_timeout_add_seconds(OPERATIONAL_RETRY_S, retry_entry, entry);
}

static void
on_group_state(AvahiEntryGroup *group, AvahiEntryGroupState state, void *user_data)
{
  Entry *entry = user_data;

  switch (state) {
  case AVAHI_ENTRY_GROUP_ESTABLISHED:
    g_message("DNS-SD: published %s service %s.%s on port %u", kind_name(entry->service->kind),
              entry->service->name, entry->service->type, entry->service->port);
    break;
  case AVAHI_ENTRY_GROUP_COLLISION:
    collided(entry);
    break;
  case AVAHI_ENTRY_GROUP_FAILURE:
    g_warning("DNS-SD: publishing %s.%s failed: %s", entry->service->name, entry->service->type,
              avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(group))));
    break;
  case AVAHI_ENTRY_GROUP_UNCOMMITED:
  case AVAHI_ENTRY_GROUP_REGISTERING:
  default:
    break;
  }
}

static gboolean
wanted_has(GPtrArray *wanted, const MdDnssdService *service)
{
  for (guint i = 0; i < wanted->len; i++)
    if (md_dnssd_service_equal(wanted->pdata[i], service))
      return TRUE;
  return FALSE;
}

static gboolean
entries_have(MdDnssd *self, const MdDnssdService *service)
{
  for (guint i = 0; i < self->entries->len; i++)
    if (md_dnssd_service_equal(((Entry *) self->entries->pdata[i])->service, service))
      return TRUE;
  return FALSE;
}

/* Withdraws what is no longer wanted and registers what is new; services
 * that stay the same are not touched. */
static void
apply(MdDnssd *self)
{
  g_autoptr(GPtrArray) wanted = md_dnssd_describe(&self->state);

  for (guint i = self->entries->len; i-- > 0;) {
    Entry *entry = self->entries->pdata[i];

    if (!wanted_has(wanted, entry->service)) {
      g_debug("DNS-SD: withdrawing %s.%s", entry->service->name, entry->service->type);
      g_ptr_array_remove_index(self->entries, i);
    }
  }
  for (guint i = 0; i < wanted->len; i++) {
    Entry *entry;

    if (entries_have(self, wanted->pdata[i]))
      continue;
    entry = g_new0(Entry, 1);
    entry->owner = self;
    entry->service = wanted->pdata[i];
    wanted->pdata[i] = NULL;
    g_ptr_array_add(self->entries, entry);
    register_entry(entry);
  }
}

static void
register_all(MdDnssd *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    register_entry(self->entries->pdata[i]);
}

/* Every group goes with the client it was made on. */
static void
forget_groups(MdDnssd *self)
{
  for (guint i = 0; i < self->entries->len; i++) {
    Entry *entry = self->entries->pdata[i];

    g_clear_handle_id(&entry->retry_id, g_source_remove);
    g_clear_pointer(&entry->group, avahi_entry_group_free);
  }
}

static gboolean
reconnect(gpointer user_data)
{
  MdDnssd *self = user_data;

  self->reconnect_id = 0;
  forget_groups(self);
  g_clear_pointer(&self->client, avahi_client_free);
  connect_client(self);
  return G_SOURCE_REMOVE;
}

static void
on_client_state(AvahiClient *client, AvahiClientState state, void *user_data)
{
  MdDnssd *self = user_data;

  /* The first call comes from inside avahi_client_new(). */
  self->client = client;
  switch (state) {
  case AVAHI_CLIENT_S_RUNNING:
    g_message("DNS-SD: avahi-daemon is running; publishing through it");
    self->running = TRUE;
    /* Its absence later is news, not a misconfiguration: no warning. */
    self->warned = TRUE;
    register_all(self);
    break;
  case AVAHI_CLIENT_S_REGISTERING:
  case AVAHI_CLIENT_S_COLLISION:
    /* avahi-daemon (re)registers its host name, which every service
     * points to: the services follow once it runs again. */
    self->running = FALSE;
    for (guint i = 0; i < self->entries->len; i++) {
      Entry *entry = self->entries->pdata[i];

      if (entry->group != NULL)
        avahi_entry_group_reset(entry->group);
    }
    break;
  case AVAHI_CLIENT_CONNECTING:
    if (!self->warned)
      g_warning("DNS-SD: avahi-daemon is not running; commissioners and controllers cannot "
                "discover this node until it starts");
    self->warned = TRUE;
    break;
  case AVAHI_CLIENT_FAILURE:
    self->running = FALSE;
    if (avahi_client_errno(client) == AVAHI_ERR_DISCONNECTED)
      g_message("DNS-SD: avahi-daemon went away; publishing again once it is back");
    else
      g_warning("DNS-SD: avahi client failed: %s", avahi_strerror(avahi_client_errno(client)));
    /* Not from inside the client's own callback. */
    if (self->reconnect_id == 0)
      self->reconnect_id = g_idle_add(reconnect, self);
    break;
  default:
    break;
  }
}

static gboolean
reconnect_later(gpointer user_data)
{
  MdDnssd *self = user_data;

  self->reconnect_id = 0;
  connect_client(self);
  return G_SOURCE_REMOVE;
}

/* With AVAHI_CLIENT_NO_FAIL the client waits for avahi-daemon to appear;
 * it fails only without a system bus, and then is tried again later. */
static void
connect_client(MdDnssd *self)
{
  int error = 0;
  AvahiClient *client = avahi_client_new(avahi_glib_poll_get(self->poll), AVAHI_CLIENT_NO_FAIL,
                                         on_client_state, self, &error);

  if (client != NULL) {
    self->client = client;
    return;
  }
  if (!self->warned)
    g_warning("DNS-SD: cannot reach avahi-daemon (%s); commissioners and controllers cannot "
              "discover this node",
              avahi_strerror(error));
  else
    g_debug("DNS-SD: still cannot reach avahi-daemon: %s", avahi_strerror(error));
  self->warned = TRUE;
  self->reconnect_id = g_timeout_add_seconds(RECONNECT_S, reconnect_later, self);
}

MdDnssd *
md_dnssd_new(guint16 port)
{
  MdDnssd *self = g_new0(MdDnssd, 1);

  self->state.port = port;
  self->fabrics = g_array_new(FALSE, FALSE, sizeof(MdDnssdFabric));
  self->entries = g_ptr_array_new_with_free_func((GDestroyNotify) entry_free);
  self->poll = avahi_glib_poll_new(NULL, G_PRIORITY_DEFAULT);
  connect_client(self);
  return self;
}

void
md_dnssd_free(MdDnssd *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id(&self->reconnect_id, g_source_remove);
  g_ptr_array_unref(self->entries);
  g_clear_pointer(&self->client, avahi_client_free);
  avahi_glib_poll_free(self->poll);
  g_array_unref(self->fabrics);
  g_free(self);
}

#else /* !ENABLE_DNSSD */

struct _MdDnssd {
  MdDnssdState state;
  GArray *fabrics;
};

static void
apply(MdDnssd *self)
{
}

MdDnssd *
md_dnssd_new(guint16 port)
{
  MdDnssd *self = g_new0(MdDnssd, 1);

  g_message("DNS-SD: matterd was built without Avahi; it advertises nothing");
  self->state.port = port;
  self->fabrics = g_array_new(FALSE, FALSE, sizeof(MdDnssdFabric));
  return self;
}

void
md_dnssd_free(MdDnssd *self)
{
  if (self == NULL)
    return;
  g_array_unref(self->fabrics);
  g_free(self);
}

#endif /* ENABLE_DNSSD */

void
md_dnssd_sync(MdDnssd *self, MdNode *node)
{
  MdCommissioning *commissioning = md_node_get_commissioning(node);
  MdWindowKind window = md_commissioning_get_window(commissioning);

  /* 4.3.1: a new instance name whenever the node enters commissioning
   * mode; it stays while the window is open. */
  if (window != MD_WINDOW_CLOSED && window != self->state.window)
    self->state.commissionable_id = random_instance_id();
  self->state.window = window;
  self->state.discriminator = md_commissioning_get_discriminator(commissioning);
  self->state.vendor_id = md_node_get_vendor_id(node);
  self->state.product_id = md_node_get_product_id(node);
  self->state.commissioned = md_fabric_table_count_committed(md_node_get_fabrics(node)) > 0;
  /* What the node announces in session establishment: nothing yet. */
  self->state.session_params = (MatterSessionParams){ 0 };
  read_fabrics(node, self->fabrics);
  self->state.fabrics = (const MdDnssdFabric *) self->fabrics->data;
  self->state.fabric_count = self->fabrics->len;
  apply(self);
}
