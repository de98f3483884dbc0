/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

#include "gatt.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SERVICE_IFACE "org.bluez.GattService1"
#define CHRC_IFACE "org.bluez.GattCharacteristic1"
#define DESC_IFACE "org.bluez.GattDescriptor1"
#define PROFILE_IFACE "org.bluez.GattProfile1"

/* More characteristic properties, and the extended ones. */
#define CHRC_BROADCAST 0x01
#define CHRC_AUTH 0x40
#define CHRC_EXT_PROP 0x80
#define EXT_RELIABLE_WRITE 0x01
#define EXT_WRITABLE_AUX 0x02

/* Attribute permissions. */
#define PERM_READ 0x0001
#define PERM_WRITE 0x0002
#define PERM_READ_ENCRYPT 0x0004
#define PERM_WRITE_ENCRYPT 0x0008
#define PERM_ENCRYPT (PERM_READ_ENCRYPT | PERM_WRITE_ENCRYPT)
#define PERM_READ_AUTHEN 0x0010
#define PERM_WRITE_AUTHEN 0x0020
#define PERM_AUTHEN (PERM_READ_AUTHEN | PERM_WRITE_AUTHEN)
#define PERM_READ_SECURE 0x0100
#define PERM_WRITE_SECURE 0x0200
#define PERM_SECURE (PERM_READ_SECURE | PERM_WRITE_SECURE)
#define PERM_READ_MASK (PERM_READ | PERM_READ_ENCRYPT | PERM_READ_AUTHEN | PERM_READ_SECURE)
#define PERM_WRITE_MASK (PERM_WRITE | PERM_WRITE_ENCRYPT | PERM_WRITE_AUTHEN | PERM_WRITE_SECURE)

/* The largest attribute value ATT carries. */
#define ATT_MAX_VALUE_LEN 512
/* What bluetoothd reads from a notification socket at once. */
#define NOTIFY_READ_LEN 512

/* The services bluetoothd itself registers first: GAP (0x0001-0x0007),
 * GATT (0x0008-0x0011) and Device Information (0x0012-0x0014). The fake
 * reserves their handles and UUIDs but does not serve them. */
#define FIRST_FREE_HANDLE 0x0015
static const guint16 core_services[] = { 0x1800, 0x1801, 0x180a };

typedef struct _App App;
typedef struct _Service Service;
typedef struct _Chrc Chrc;

/* One (object, interface) of an application, with its cached properties. */
typedef struct {
  char *path;
  char *interface;
  GHashTable *properties; /* name -> GVariant */
  gboolean removed;
} Proxy;

struct _App {
  gint ref;
  gboolean gone; /* unregistered or its owner left */
  FbGatt *gatt;
  char *owner;
  char *path;
  GDBusMethodInvocation *reg; /* the RegisterApplication call, until answered */
  guint name_watch;
  guint properties_subscription;
  guint removed_subscription;
  GPtrArray *proxies; /* Proxy, in the order GetManagedObjects listed them */
  GPtrArray *services;
  GPtrArray *profiles; /* Proxy, borrowed */
  gboolean failed;
};

struct _Service {
  App *app;
  Proxy *proxy;
  FbUuid uuid;
  gboolean primary;
  guint16 handle; /* 0 until in the database */
  guint16 count;  /* handles it takes */
  guint16 last;   /* the last handle given out inside it */
  GPtrArray *chrcs;
  GPtrArray *descs;
  GPtrArray *includes; /* object paths */
};

typedef struct {
  gint ref;
  gboolean answered;
  GQueue *queue; /* the attribute's pending operations it waits in */
  FbLink *link;
  GBytes *value;
  guint16 offset;
  FbGattDone done;
  gpointer user_data;
} Op;

struct _Chrc {
  Service *service;
  Proxy *proxy;
  FbUuid uuid;
  guint8 props;
  guint8 ext_props;
  guint32 perm;
  guint32 ccc_perm;
  gboolean prep_authorize;
  guint16 handle; /* the value's */
  guint16 ccc_handle;
  guint16 cep_handle;
  guint ntfy_cnt; /* links with notifications on */
  int write_fd;
  guint write_watch;
  int notify_fd;
  guint notify_watch;
  GQueue pending_writes; /* Op: writes with a reply to wait for, AcquireWrite's queue */
  GQueue pending_reads;
};

typedef struct {
  Service *service;
  Proxy *proxy;
  char *chrc_path;
  FbUuid uuid;
  guint32 perm;
  guint16 handle;
  gboolean handled;
  GQueue pending_writes;
  GQueue pending_reads;
} Desc;

struct _FbGatt {
  FbAdapter *adapter;
  FbIface iface;
  GPtrArray *apps;  /* App */
  GPtrArray *links; /* FbLink */
  guint16 next_handle;
};

static GDBusConnection *
bus(void)
{
  return fb_objects_connection();
}

/* ---- Links ------------------------------------------------------------- */

FbLink *
fb_link_new(const char *device, guint16 mtu, FbLinkMode mode)
{
  FbLink *link = g_new0(FbLink, 1);

  link->ref = 1;
  link->device = g_strdup(device);
  link->mtu = mtu;
  link->mode = mode;
  link->ccc = g_hash_table_new(g_direct_hash, g_direct_equal);
  return link;
}

FbLink *
fb_link_ref(FbLink *link)
{
  g_atomic_int_inc(&link->ref);
  return link;
}

void
fb_link_unref(FbLink *link)
{
  if (link == NULL || !g_atomic_int_dec_and_test(&link->ref))
    return;
  g_hash_table_unref(link->ccc);
  g_free(link->write_socket);
  g_free(link->notify_socket);
  g_free(link->device);
  g_free(link);
}

static guint16
link_ccc(FbLink *link, guint16 handle)
{
  return (guint16) GPOINTER_TO_UINT(g_hash_table_lookup(link->ccc, GUINT_TO_POINTER(handle)));
}

/* ---- Pending ATT operations -------------------------------------------- */

static Op *
op_new(FbLink *link, GBytes *value, guint16 offset, FbGattDone done, gpointer user_data)
{
  Op *op = g_new0(Op, 1);

  op->ref = 1;
  op->link = fb_link_ref(link);
  op->value = value != NULL ? g_bytes_ref(value) : NULL;
  op->offset = offset;
  op->done = done;
  op->user_data = user_data;
  return op;
}

static Op *
op_ref(Op *op)
{
  op->ref++;
  return op;
}

static void
op_unref(Op *op)
{
  if (--op->ref > 0)
    return;
  fb_link_unref(op->link);
  if (op->value != NULL)
    g_bytes_unref(op->value);
  g_free(op);
}

/* The ATT response goes out, unless the link dropped meanwhile. */
static void
op_answer(Op *op, guint8 ecode, GBytes *value)
{
  if (op->answered)
    return;
  op->answered = TRUE;
  if (!op->link->closed && op->done != NULL)
    op->done(op->link, ecode, value, op->user_data);
}

static void
op_enqueue(GQueue *queue, Op *op)
{
  op->queue = queue;
  g_queue_push_tail(queue, op_ref(op));
}

static void
op_dequeue(Op *op)
{
  if (op->queue == NULL)
    return;
  g_queue_remove(op->queue, op);
  op->queue = NULL;
  op_unref(op);
}

/* The attribute went away with its application. */
static void
cancel_pending(GQueue *queue)
{
  Op *op;

  while ((op = g_queue_peek_head(queue)) != NULL) {
    op_answer(op, FB_ATT_REQUEST_NOT_SUPPORTED, NULL);
    op_dequeue(op);
  }
}

/* ---- Proxies ----------------------------------------------------------- */

static void
proxy_free(Proxy *proxy)
{
  g_hash_table_unref(proxy->properties);
  g_free(proxy->path);
  g_free(proxy->interface);
  g_free(proxy);
}

static GVariant *
proxy_get(Proxy *proxy, const char *name)
{
  return g_hash_table_lookup(proxy->properties, name);
}

static gboolean
proxy_has(Proxy *proxy, const char *name)
{
  return g_hash_table_contains(proxy->properties, name);
}

static void
proxy_update(Proxy *proxy, GVariant *dict)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init(&iter, dict);
  while (g_variant_iter_next(&iter, "{&sv}", &name, &value))
    g_hash_table_replace(proxy->properties, g_strdup(name), value);
}

/* The object path in property @name, or NULL. */
static const char *
proxy_get_path(Proxy *proxy, const char *name)
{
  GVariant *value = proxy_get(proxy, name);

  if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_OBJECT_PATH))
    return NULL;
  return g_variant_get_string(value, NULL);
}

static gboolean
proxy_get_uuid(Proxy *proxy, FbUuid *uuid)
{
  GVariant *value = proxy_get(proxy, "UUID");
  FbUuid gap, gatt;

  if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    return FALSE;
  if (!fb_uuid_parse(g_variant_get_string(value, NULL), uuid))
    return FALSE;
  /* GAP and GATT are bluetoothd's own. */
  fb_uuid_from_16(0x1800, &gap);
  fb_uuid_from_16(0x1801, &gatt);
  if (fb_uuid_equal(uuid, &gap) || fb_uuid_equal(uuid, &gatt)) {
    g_warning("%s: the GAP and GATT services are handled by bluetoothd", proxy->path);
    return FALSE;
  }
  return TRUE;
}

/* The optional Handle property: absent is 0, another type fails. */
static gboolean
proxy_get_handle(Proxy *proxy, guint16 *handle)
{
  GVariant *value = proxy_get(proxy, "Handle");

  *handle = 0;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    return FALSE;
  *handle = g_variant_get_uint16(value);
  return TRUE;
}

/* ---- Calls to applications --------------------------------------------- */

/* A call whose reply bluetoothd does not wait for (it is still a plain
 * method call, not one flagged as expecting no reply). */
static void
send_and_forget(App *app, const char *path, const char *interface, const char *method,
                GVariant *parameters)
{
  g_autoptr(GDBusMessage) message =
      g_dbus_message_new_method_call(app->owner, path, interface, method);
  g_autoptr(GError) error = NULL;

  if (parameters != NULL)
    g_dbus_message_set_body(message, parameters);
  if (!g_dbus_connection_send_message(bus(), message, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, &error))
    g_warning("%s.%s on %s: %s", interface, method, path, error->message);
}

/* The name of the D-Bus error in @error, as a libdbus caller sees it. */
static char *
error_name(const GError *error)
{
  char *name = g_dbus_error_get_remote_error(error);

  if (name != NULL)
    return name;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup("org.freedesktop.DBus.Error.NoReply");
  return g_strdup("org.freedesktop.DBus.Error.Failed");
}

/* bluetoothd's mapping of an application's error to an ATT error code. */
static guint8
error_to_ecode(const GError *error, guint8 permission_error)
{
  g_autofree char *name = error_name(error);
  g_autofree char *message =
      g_dbus_error_is_remote_error(error) ? g_strdup(error->message) : g_strdup("");

  if (g_dbus_error_is_remote_error(error)) {
    g_autoptr(GError) copy = g_error_copy(error);

    g_dbus_error_strip_remote_error(copy);
    g_free(message);
    message = g_strdup(copy->message);
  }
  if (g_str_equal(name, FB_ERROR_PREFIX "Failed")) {
    char *end = NULL;
    long code = strtol(message, &end, 0);

    /* Without a code in the message: 0x80. */
    if (end == NULL || *end != '\0' || end == message)
      return 0x80;
    if (code < 0x80 || code > 0x9f) {
      g_warning("invalid error code: %s", message);
      return FB_ATT_UNLIKELY;
    }
    return (guint8) code;
  }
  if (g_str_equal(name, FB_ERROR_PREFIX "NotSupported"))
    return FB_ATT_REQUEST_NOT_SUPPORTED;
  if (g_str_equal(name, FB_ERROR_PREFIX "NotAuthorized"))
    return FB_ATT_AUTHORIZATION;
  if (g_str_equal(name, FB_ERROR_PREFIX "InvalidValueLength"))
    return FB_ATT_INVALID_VALUE_LEN;
  if (g_str_equal(name, FB_ERROR_PREFIX "InvalidOffset"))
    return FB_ATT_INVALID_OFFSET;
  if (g_str_equal(name, FB_ERROR_PREFIX "InProgress"))
    return FB_ATT_ALREADY_IN_PROGRESS;
  if (g_str_equal(name, FB_ERROR_PREFIX "NotPermitted"))
    return permission_error;
  return FB_ATT_UNLIKELY;
}

/* The options bluetoothd passes: device, offset (when not 0), link,
 * prepare-authorize (when set) and mtu, in that order. */
static GVariant *
op_options(Op *op, gboolean prepare_authorize)
{
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&builder, "{sv}", "device", g_variant_new_object_path(op->link->device));
  if (op->offset != 0)
    g_variant_builder_add(&builder, "{sv}", "offset", g_variant_new_uint16(op->offset));
  g_variant_builder_add(&builder, "{sv}", "link", g_variant_new_string("LE"));
  if (prepare_authorize)
    g_variant_builder_add(&builder, "{sv}", "prepare-authorize", g_variant_new_boolean(TRUE));
  g_variant_builder_add(&builder, "{sv}", "mtu", g_variant_new_uint16(op->link->mtu));
  return g_variant_builder_end(&builder);
}

/* ---- The database ------------------------------------------------------ */

static void
app_ref(App *app)
{
  app->ref++;
}

static void app_unref(App *app);
static void update_uuids(FbGatt *gatt);

static void
close_fd(int *fd, guint *watch)
{
  g_clear_handle_id(watch, g_source_remove);
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

static void
chrc_free(Chrc *chrc)
{
  close_fd(&chrc->write_fd, &chrc->write_watch);
  close_fd(&chrc->notify_fd, &chrc->notify_watch);
  cancel_pending(&chrc->pending_reads);
  cancel_pending(&chrc->pending_writes);
  g_free(chrc);
}

static void
desc_free(Desc *desc)
{
  cancel_pending(&desc->pending_reads);
  cancel_pending(&desc->pending_writes);
  g_free(desc->chrc_path);
  g_free(desc);
}

/* The service leaves the database; links forget its configuration. */
static void
service_free(Service *service)
{
  FbGatt *gatt = service->app->gatt;

  for (guint i = 0; i < service->chrcs->len; i++) {
    Chrc *chrc = service->chrcs->pdata[i];

    for (guint l = 0; chrc->ccc_handle != 0 && l < gatt->links->len; l++)
      g_hash_table_remove(((FbLink *) gatt->links->pdata[l])->ccc,
                          GUINT_TO_POINTER(chrc->ccc_handle));
  }
  g_ptr_array_unref(service->chrcs);
  g_ptr_array_unref(service->descs);
  g_ptr_array_unref(service->includes);
  g_free(service);
}

static Service *
find_service(App *app, const char *path)
{
  for (guint i = 0; i < app->services->len; i++) {
    Service *service = app->services->pdata[i];

    if (g_str_equal(service->proxy->path, path))
      return service;
  }
  return NULL;
}

static Chrc *
find_chrc_in(Service *service, const char *path)
{
  for (guint i = 0; i < service->chrcs->len; i++) {
    Chrc *chrc = service->chrcs->pdata[i];

    if (g_str_equal(chrc->proxy->path, path))
      return chrc;
  }
  return NULL;
}

/* Adds @n handles to what @service takes, as long as they fit. */
static gboolean
add_handles(Service *service, guint n)
{
  if (service->count > G_MAXUINT16 - n)
    return FALSE;
  service->count += n;
  return TRUE;
}

/* ---- Flags ------------------------------------------------------------- */

typedef struct {
  const char *name;
  guint8 props;
  guint8 ext_props;
  guint32 perm;
  guint32 ccc_perm;
} FlagInfo;

static const FlagInfo chrc_flags[] = {
  { "broadcast", CHRC_BROADCAST, 0, 0, 0 },
  { "read", FB_CHRC_READ, 0, PERM_READ, 0 },
  { "write-without-response", FB_CHRC_WRITE_WITHOUT_RESP, 0, PERM_WRITE, 0 },
  { "write", FB_CHRC_WRITE, 0, PERM_WRITE, 0 },
  { "notify", FB_CHRC_NOTIFY, 0, 0, PERM_WRITE },
  { "indicate", FB_CHRC_INDICATE, 0, 0, PERM_WRITE },
  { "authenticated-signed-writes", CHRC_AUTH, 0, PERM_WRITE, 0 },
  { "extended-properties", CHRC_EXT_PROP, 0, 0, 0 },
  { "reliable-write", 0, EXT_RELIABLE_WRITE, PERM_WRITE, 0 },
  { "writable-auxiliaries", 0, EXT_WRITABLE_AUX, 0, 0 },
  { "encrypt-read", FB_CHRC_READ, 0, PERM_READ | PERM_READ_ENCRYPT, 0 },
  { "encrypt-write", FB_CHRC_WRITE, 0, PERM_WRITE | PERM_WRITE_ENCRYPT, 0 },
  { "encrypt-authenticated-read", FB_CHRC_READ, 0, PERM_READ | PERM_READ_AUTHEN, 0 },
  { "encrypt-authenticated-write", FB_CHRC_WRITE, 0, PERM_WRITE | PERM_WRITE_AUTHEN, 0 },
  { "secure-read", FB_CHRC_READ, 0, PERM_READ | PERM_READ_SECURE, 0 },
  { "secure-write", FB_CHRC_WRITE, 0, PERM_WRITE | PERM_WRITE_SECURE, 0 },
  { "authorize", 0, 0, 0, 0 },
  { "encrypt-notify", FB_CHRC_NOTIFY, 0, 0, PERM_WRITE_ENCRYPT },
  { "encrypt-authenticated-notify", FB_CHRC_NOTIFY, 0, 0, PERM_WRITE_AUTHEN },
  { "secure-notify", FB_CHRC_NOTIFY, 0, 0, PERM_WRITE_SECURE },
  { "encrypt-indicate", FB_CHRC_INDICATE, 0, 0, PERM_WRITE_ENCRYPT },
  { "encrypt-authenticated-indicate", FB_CHRC_INDICATE, 0, 0, PERM_WRITE_AUTHEN },
  { "secure-indicate", FB_CHRC_INDICATE, 0, 0, PERM_WRITE_SECURE },
};

static const FlagInfo desc_flags[] = {
  { "read", 0, 0, PERM_READ, 0 },
  { "write", 0, 0, PERM_WRITE, 0 },
  { "encrypt-read", 0, 0, PERM_READ | PERM_READ_ENCRYPT, 0 },
  { "encrypt-write", 0, 0, PERM_WRITE | PERM_WRITE_ENCRYPT, 0 },
  { "encrypt-authenticated-read", 0, 0, PERM_READ | PERM_READ_AUTHEN, 0 },
  { "encrypt-authenticated-write", 0, 0, PERM_WRITE | PERM_WRITE_AUTHEN, 0 },
  { "secure-read", 0, 0, PERM_READ | PERM_READ_SECURE, 0 },
  { "secure-write", 0, 0, PERM_WRITE | PERM_WRITE_SECURE, 0 },
  { "authorize", 0, 0, 0, 0 },
};

/* The Flags property: an array of at least one known string. */
static gboolean
parse_flags(Proxy *proxy, const FlagInfo *table, gsize n, FlagInfo *out, gboolean *authorize)
{
  GVariant *value = proxy_get(proxy, "Flags");
  gsize count;

  memset(out, 0, sizeof(*out));
  *authorize = FALSE;
  if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY))
    return FALSE;
  count = g_variant_n_children(value);
  if (count == 0)
    return FALSE;
  for (gsize i = 0; i < count; i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(value, i);
    const char *flag;
    gsize f;

    if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING))
      return FALSE;
    flag = g_variant_get_string(child, NULL);
    for (f = 0; f < n && !g_str_equal(table[f].name, flag); f++)
      ;
    if (f == n) {
      g_warning("%s: invalid flag: %s", proxy->path, flag);
      return FALSE;
    }
    if (g_str_equal(flag, "authorize"))
      *authorize = TRUE;
    out->props |= table[f].props;
    out->ext_props |= table[f].ext_props;
    out->perm |= table[f].perm;
    out->ccc_perm |= table[f].ccc_perm;
  }
  if (out->ext_props != 0)
    out->props |= CHRC_EXT_PROP;
  return TRUE;
}

/* ---- Building an application's database -------------------------------- */

static gboolean
create_service(App *app, Proxy *proxy)
{
  Service *service;

  if (find_service(app, proxy->path) != NULL) {
    g_warning("duplicated service: %s", proxy->path);
    return FALSE;
  }
  service = g_new0(Service, 1);
  service->app = app;
  service->proxy = proxy;
  service->chrcs = g_ptr_array_new_with_free_func((GDestroyNotify) chrc_free);
  service->descs = g_ptr_array_new_with_free_func((GDestroyNotify) desc_free);
  service->includes = g_ptr_array_new_with_free_func(g_free);
  service->count = 1; /* the declaration */
  g_ptr_array_add(app->services, service);
  return TRUE;
}

static gboolean
create_chrc(App *app, Proxy *proxy)
{
  const char *service_path = proxy_get_path(proxy, "Service");
  Service *service;
  FlagInfo flags;
  Chrc *chrc;

  if (service_path == NULL) {
    g_warning("%s: no service path for the characteristic", proxy->path);
    return FALSE;
  }
  service = find_service(app, service_path);
  if (service == NULL) {
    g_warning("%s: no service %s for the characteristic", proxy->path, service_path);
    return FALSE;
  }
  /* The declaration and the value. */
  if (!add_handles(service, 2))
    return FALSE;
  chrc = g_new0(Chrc, 1);
  chrc->service = service;
  chrc->proxy = proxy;
  chrc->write_fd = chrc->notify_fd = -1;
  if (!parse_flags(proxy, chrc_flags, G_N_ELEMENTS(chrc_flags), &flags, &chrc->prep_authorize)) {
    g_warning("%s: cannot parse the characteristic's flags", proxy->path);
    chrc_free(chrc);
    return FALSE;
  }
  chrc->props = flags.props;
  chrc->ext_props = flags.ext_props;
  chrc->perm = flags.perm;
  chrc->ccc_perm = flags.ccc_perm;
  if (((chrc->props & (FB_CHRC_NOTIFY | FB_CHRC_INDICATE)) && !add_handles(service, 1)) ||
      (chrc->ext_props != 0 && !add_handles(service, 1))) {
    chrc_free(chrc);
    return FALSE;
  }
  g_ptr_array_add(service->chrcs, chrc);
  return TRUE;
}

static gboolean
create_desc(App *app, Proxy *proxy)
{
  const char *chrc_path = proxy_get_path(proxy, "Characteristic");
  Service *service = NULL;
  FlagInfo flags;
  Desc *desc;

  if (chrc_path == NULL) {
    g_warning("%s: no characteristic path for the descriptor", proxy->path);
    return FALSE;
  }
  for (guint i = 0; i < app->services->len && service == NULL; i++)
    if (find_chrc_in(app->services->pdata[i], chrc_path) != NULL)
      service = app->services->pdata[i];
  if (service == NULL) {
    g_warning("%s: no service for the characteristic %s", proxy->path, chrc_path);
    return FALSE;
  }
  if (!add_handles(service, 1))
    return FALSE;
  desc = g_new0(Desc, 1);
  desc->service = service;
  desc->proxy = proxy;
  desc->chrc_path = g_strdup(chrc_path);
  if (!parse_flags(proxy, desc_flags, G_N_ELEMENTS(desc_flags), &flags, &(gboolean){ FALSE })) {
    g_warning("%s: cannot parse the descriptor's flags", proxy->path);
    desc_free(desc);
    return FALSE;
  }
  desc->perm = flags.perm;
  g_ptr_array_add(service->descs, desc);
  return TRUE;
}

/* A GATT client profile: its UUIDs, a non-empty array of strings. When
 * it goes, bluetoothd calls its Release(), also when it did not take. */
static gboolean
create_profile(App *app, Proxy *proxy)
{
  GVariant *uuids = proxy_get(proxy, "UUIDs");
  gboolean ok = uuids != NULL && g_variant_is_of_type(uuids, G_VARIANT_TYPE_ARRAY) &&
                g_variant_n_children(uuids) > 0;

  for (gsize i = 0; ok && i < g_variant_n_children(uuids); i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(uuids, i);

    /* Strings up to the first other element count. */
    if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING))
      ok = i > 0;
    if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING))
      break;
  }
  if (!ok) {
    send_and_forget(app, proxy->path, PROFILE_IFACE, "Release", NULL);
    return FALSE;
  }
  g_ptr_array_add(app->profiles, proxy);
  return TRUE;
}

/* bluetoothd writes a handle it chose back when the object has a Handle
 * property; it does not wait for the answer. */
static void
write_handle(App *app, Proxy *proxy, guint16 handle)
{
  if (!proxy_has(proxy, "Handle"))
    return;
  g_dbus_connection_call(
      bus(), app->owner, proxy->path, "org.freedesktop.DBus.Properties", "Set",
      g_variant_new("(ssv)", proxy->interface, "Handle", g_variant_new_uint16(handle)), NULL,
      G_DBUS_CALL_FLAGS_NONE, FB_CALL_TIMEOUT_MS, NULL, NULL, NULL);
}

static gboolean
handle_in_use(FbGatt *gatt, guint16 start, guint16 end)
{
  if (start < FIRST_FREE_HANDLE)
    return TRUE;
  for (guint a = 0; a < gatt->apps->len; a++) {
    App *app = gatt->apps->pdata[a];

    for (guint s = 0; s < app->services->len; s++) {
      Service *service = app->services->pdata[s];

      if (service->handle != 0 && start <= service->handle + service->count - 1 &&
          end >= service->handle)
        return TRUE;
    }
  }
  return FALSE;
}

/* A handle inside @service: the next one, or @wanted when set. */
static gboolean
take_handle(Service *service, guint16 wanted, guint16 step, guint16 *handle)
{
  guint16 h = wanted != 0 ? wanted : service->last + step;

  if (h <= service->handle || h == G_MAXUINT16)
    return FALSE;
  service->last = h;
  *handle = h;
  return TRUE;
}

static gboolean
add_desc(Service *service, Desc *desc)
{
  guint16 handle;

  if (!proxy_get_handle(desc->proxy, &handle)) {
    g_warning("%s: cannot read the descriptor's Handle", desc->proxy->path);
    return FALSE;
  }
  if (!proxy_get_uuid(desc->proxy, &desc->uuid)) {
    g_warning("%s: cannot read the descriptor's UUID", desc->proxy->path);
    return FALSE;
  }
  if (!take_handle(service, handle, 1, &desc->handle))
    return FALSE;
  desc->handled = TRUE;
  if (handle == 0)
    write_handle(service->app, desc->proxy, desc->handle);
  return TRUE;
}

static gboolean
add_chrc(Service *service, Chrc *chrc)
{
  guint16 handle;

  if (!proxy_get_handle(chrc->proxy, &handle)) {
    g_warning("%s: cannot read the characteristic's Handle", chrc->proxy->path);
    return FALSE;
  }
  if (!proxy_get_uuid(chrc->proxy, &chrc->uuid)) {
    g_warning("%s: cannot read the characteristic's UUID", chrc->proxy->path);
    return FALSE;
  }
  if (g_strcmp0(proxy_get_path(chrc->proxy, "Service"), service->proxy->path) != 0)
    return FALSE;
  /* Declaration and value. */
  if (!take_handle(service, handle, 2, &chrc->handle))
    return FALSE;
  if ((chrc->props & (FB_CHRC_NOTIFY | FB_CHRC_INDICATE)) &&
      !take_handle(service, 0, 1, &chrc->ccc_handle))
    return FALSE;
  if (chrc->ext_props != 0 && !take_handle(service, 0, 1, &chrc->cep_handle))
    return FALSE;
  if (handle == 0)
    write_handle(service->app, chrc->proxy, chrc->handle);
  for (guint i = 0; i < service->descs->len; i++) {
    Desc *desc = service->descs->pdata[i];

    if (!desc->handled && g_str_equal(desc->chrc_path, chrc->proxy->path) &&
        !add_desc(service, desc))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_includes(Service *service)
{
  GVariant *value = proxy_get(service->proxy, "Includes");

  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY))
    return FALSE;
  for (gsize i = 0; i < g_variant_n_children(value); i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(value, i);

    if (!g_variant_is_of_type(child, G_VARIANT_TYPE_OBJECT_PATH))
      return FALSE;
    g_ptr_array_add(service->includes, g_variant_dup_string(child, NULL));
    /* The include declaration. */
    add_handles(service, 1);
  }
  return TRUE;
}

static gboolean
add_service(FbGatt *gatt, Service *service)
{
  GVariant *primary = proxy_get(service->proxy, "Primary");
  guint16 wanted, handle;

  if (!proxy_get_uuid(service->proxy, &service->uuid)) {
    g_warning("%s: cannot read the service's UUID", service->proxy->path);
    return FALSE;
  }
  if (primary == NULL || !g_variant_is_of_type(primary, G_VARIANT_TYPE_BOOLEAN)) {
    g_warning("%s: cannot read the service's Primary", service->proxy->path);
    return FALSE;
  }
  service->primary = g_variant_get_boolean(primary);
  if (!parse_includes(service)) {
    g_warning("%s: cannot read the service's Includes", service->proxy->path);
    return FALSE;
  }
  if (!proxy_get_handle(service->proxy, &wanted)) {
    g_warning("%s: cannot read the service's Handle", service->proxy->path);
    return FALSE;
  }
  handle = wanted != 0 ? wanted : gatt->next_handle;
  if ((guint) handle + service->count - 1 > G_MAXUINT16 ||
      handle_in_use(gatt, handle, (guint16) (handle + service->count - 1))) {
    g_warning("%s: no room for the service at 0x%04x", service->proxy->path, handle);
    return FALSE;
  }
  service->handle = handle;
  service->last = (guint16) (handle + service->includes->len);
  gatt->next_handle = MAX(gatt->next_handle, handle + service->count);
  if (wanted == 0)
    write_handle(service->app, service->proxy, handle);
  for (guint i = 0; i < service->chrcs->len; i++)
    if (!add_chrc(service, service->chrcs->pdata[i])) {
      g_warning("%s: cannot add a characteristic", service->proxy->path);
      return FALSE;
    }
  for (guint i = 0; i < service->descs->len; i++)
    if (!((Desc *) service->descs->pdata[i])->handled) {
      g_warning("%s: a descriptor has no matching characteristic", service->proxy->path);
      return FALSE;
    }
  return TRUE;
}

/* ---- Registration ------------------------------------------------------ */

static void
app_answer(App *app, const char *error, const char *message)
{
  GDBusMethodInvocation *reg = g_steal_pointer(&app->reg);

  if (reg == NULL)
    return;
  if (error != NULL)
    fb_return_error(reg, error, message);
  else
    g_dbus_method_invocation_return_value(reg, NULL);
}

static void
app_unsubscribe(App *app)
{
  g_clear_handle_id(&app->name_watch, g_bus_unwatch_name);
  if (app->properties_subscription != 0)
    g_dbus_connection_signal_unsubscribe(bus(), app->properties_subscription);
  if (app->removed_subscription != 0)
    g_dbus_connection_signal_unsubscribe(bus(), app->removed_subscription);
  app->properties_subscription = app->removed_subscription = 0;
}

static void
app_unref(App *app)
{
  if (--app->ref > 0)
    return;
  g_ptr_array_unref(app->services);
  g_ptr_array_unref(app->profiles);
  g_ptr_array_unref(app->proxies);
  g_free(app->owner);
  g_free(app->path);
  g_free(app);
}

/* The application leaves: its services leave the database (a pending
 * RegisterApplication is never answered, as in bluetoothd) and its
 * profiles are released. */
static void
app_remove(App *app)
{
  FbGatt *gatt = app->gatt;

  if (app->gone)
    return;
  app->gone = TRUE;
  app_unsubscribe(app);
  g_ptr_array_remove(gatt->apps, app);
  if (app->reg != NULL)
    g_object_unref(g_steal_pointer(&app->reg));
  for (guint i = 0; i < app->profiles->len; i++)
    send_and_forget(app, ((Proxy *) app->profiles->pdata[i])->path, PROFILE_IFACE, "Release", NULL);
  g_ptr_array_set_size(app->profiles, 0);
  g_ptr_array_set_size(app->services, 0);
  update_uuids(gatt);
  fb_control_emit("ApplicationsChanged", NULL);
  app_unref(app);
}

static void
register_objects(App *app, const char *interface, gboolean (*create)(App *, Proxy *))
{
  for (guint i = 0; i < app->proxies->len && !app->failed; i++) {
    Proxy *proxy = app->proxies->pdata[i];

    if (g_str_equal(proxy->interface, interface) && !create(app, proxy))
      app->failed = TRUE;
  }
}

static gboolean
database_add_app(FbGatt *gatt, App *app)
{
  for (guint i = 0; i < app->services->len; i++)
    if (!add_service(gatt, app->services->pdata[i])) {
      g_warning("%s: failed to add a service", app->path);
      return FALSE;
    }
  return TRUE;
}

static void
app_ready(App *app)
{
  FbGatt *gatt = app->gatt;

  if (app->proxies->len == 0) {
    g_warning("%s %s: no object received", app->owner, app->path);
    app_answer(app, "Failed", "No object received");
    app_remove(app);
    return;
  }
  register_objects(app, PROFILE_IFACE, create_profile);
  register_objects(app, SERVICE_IFACE, create_service);
  register_objects(app, CHRC_IFACE, create_chrc);
  register_objects(app, DESC_IFACE, create_desc);
  if ((app->services->len == 0 && app->profiles->len == 0) || app->failed) {
    g_warning("%s %s: no valid external GATT objects found", app->owner, app->path);
    app_answer(app, "Failed", "No valid service object found");
    app_remove(app);
    return;
  }
  if (!database_add_app(gatt, app)) {
    app_answer(app, "Failed", "Failed to create entry in database");
    app_remove(app);
    return;
  }
  g_message("GATT application registered: %s:%s", app->owner, app->path);
  app_answer(app, NULL, NULL);
  update_uuids(gatt);
  fb_control_emit("ApplicationsChanged", NULL);
}

static void
parse_managed_objects(App *app, GVariant *reply)
{
  g_autoptr(GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  if (!g_variant_is_of_type(reply, G_VARIANT_TYPE("(a{oa{sa{sv}}})")))
    return;
  objects = g_variant_get_child_value(reply, 0);
  g_variant_iter_init(&iter, objects);
  while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &interfaces)) {
    GVariantIter inner;
    const char *name;
    GVariant *properties;

    g_variant_iter_init(&inner, interfaces);
    while (g_variant_iter_next(&inner, "{&s@a{sv}}", &name, &properties)) {
      if (!g_str_equal(name, "org.freedesktop.DBus.Introspectable") &&
          !g_str_equal(name, "org.freedesktop.DBus.Properties")) {
        Proxy *proxy = g_new0(Proxy, 1);

        proxy->path = g_strdup(path);
        proxy->interface = g_strdup(name);
        proxy->properties = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                  (GDestroyNotify) g_variant_unref);
        proxy_update(proxy, properties);
        g_ptr_array_add(app->proxies, proxy);
      }
      g_variant_unref(properties);
    }
    g_variant_unref(interfaces);
  }
}

static void
on_managed_objects(GObject *source, GAsyncResult *result, gpointer user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (!app->gone) {
    if (reply != NULL)
      parse_managed_objects(app, reply);
    else
      g_message("%s %s: GetManagedObjects: %s", app->owner, app->path, error->message);
    app_ready(app);
  }
  app_unref(app);
}

static void
on_owner_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
  App *app = user_data;

  g_message("GATT application %s:%s: its owner left the bus", app->owner, app->path);
  app_remove(app);
}

static Chrc *
find_chrc_by_path(App *app, const char *path)
{
  for (guint i = 0; i < app->services->len; i++) {
    Chrc *chrc = find_chrc_in(app->services->pdata[i], path);

    if (chrc != NULL)
      return chrc;
  }
  return NULL;
}

static void notify_links(FbGatt *gatt, Chrc *chrc, const guint8 *value, gsize len);

/* Properties of the application's objects follow its PropertiesChanged;
 * a characteristic with notifications that changes its Value notifies. */
static void
on_properties_changed(GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface, const char *signal, GVariant *parameters,
                      gpointer user_data)
{
  App *app = user_data;
  const char *iface;
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;
  g_autoptr(GVariant) value = NULL;
  Chrc *chrc;

  if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")))
    return;
  g_variant_get(parameters, "(&s@a{sv}^a&s)", &iface, &changed, &invalidated);
  for (guint i = 0; i < app->proxies->len; i++) {
    Proxy *proxy = app->proxies->pdata[i];

    if (proxy->removed || !g_str_equal(proxy->path, path) || !g_str_equal(proxy->interface, iface))
      continue;
    proxy_update(proxy, changed);
    for (gsize n = 0; invalidated[n] != NULL; n++)
      g_hash_table_remove(proxy->properties, invalidated[n]);
  }
  if (!g_str_equal(iface, CHRC_IFACE) || (chrc = find_chrc_by_path(app, path)) == NULL ||
      chrc->ccc_handle == 0)
    return;
  value = g_variant_lookup_value(changed, "Value", NULL);
  if (value != NULL) {
    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BYTESTRING)) {
      g_message("%s: malformed Value", path);
      return;
    }
    notify_links(app->gatt, chrc, g_variant_get_data(value), g_variant_get_size(value));
  } else if (g_strv_contains(invalidated, "Value")) {
    /* An invalidated Value goes out empty. */
    notify_links(app->gatt, chrc, NULL, 0);
  }
}

/* InterfacesRemoved from the application's ObjectManager: a service whose
 * object goes leaves the database at once. */
static void
on_interfaces_removed(GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface, const char *signal, GVariant *parameters,
                      gpointer user_data)
{
  App *app = user_data;
  const char *object;
  g_autofree const char **names = NULL;

  if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(oas)")))
    return;
  g_variant_get(parameters, "(&o^a&s)", &object, &names);
  for (gsize n = 0; names[n] != NULL; n++) {
    for (guint i = 0; i < app->proxies->len; i++) {
      Proxy *proxy = app->proxies->pdata[i];
      Service *service;

      if (proxy->removed || !g_str_equal(proxy->path, object) ||
          !g_str_equal(proxy->interface, names[n]))
        continue;
      proxy->removed = TRUE;
      service = find_service(app, object);
      if (service != NULL) {
        g_message("%s: object removed, removing the service", object);
        g_ptr_array_remove(app->services, service);
        update_uuids(app->gatt);
        fb_control_emit("ApplicationsChanged", NULL);
      }
    }
  }
}

static App *
find_app(FbGatt *gatt, const char *owner, const char *path)
{
  for (guint i = 0; i < gatt->apps->len; i++) {
    App *app = gatt->apps->pdata[i];

    if (g_str_equal(app->owner, owner) && g_str_equal(app->path, path))
      return app;
  }
  return NULL;
}

static void
register_application(FbGatt *gatt, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender(invocation);
  const char *path;
  App *app;

  g_variant_get(parameters, "(&o@a{sv})", &path, NULL);
  if (find_app(gatt, sender, path) != NULL) {
    fb_return_error(invocation, "AlreadyExists", "Already Exists");
    return;
  }
  app = g_new0(App, 1);
  app->ref = 1;
  app->gatt = gatt;
  app->owner = g_strdup(sender);
  app->path = g_strdup(path);
  app->reg = g_object_ref(invocation);
  app->proxies = g_ptr_array_new_with_free_func((GDestroyNotify) proxy_free);
  app->services = g_ptr_array_new_with_free_func((GDestroyNotify) service_free);
  app->profiles = g_ptr_array_new();
  g_ptr_array_add(gatt->apps, app);
  g_message("registering GATT application %s:%s", sender, path);

  app->name_watch = g_bus_watch_name_on_connection(bus(), sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   NULL, on_owner_vanished, app, NULL);
  app->properties_subscription = g_dbus_connection_signal_subscribe(
      bus(), sender, "org.freedesktop.DBus.Properties", "PropertiesChanged", NULL, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, app, NULL);
  app->removed_subscription = g_dbus_connection_signal_subscribe(
      bus(), sender, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", path, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, app, NULL);
  app_ref(app);
  g_dbus_connection_call(bus(), sender, path, "org.freedesktop.DBus.ObjectManager",
                         "GetManagedObjects", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                         FB_CALL_TIMEOUT_MS, NULL, on_managed_objects, app);
}

static void
unregister_application(FbGatt *gatt, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  const char *path;
  App *app;

  g_variant_get(parameters, "(&o)", &path);
  app = find_app(gatt, g_dbus_method_invocation_get_sender(invocation), path);
  if (app == NULL) {
    fb_return_error(invocation, "DoesNotExist", "Does Not Exist");
    return;
  }
  g_message("GATT application unregistered: %s:%s", app->owner, app->path);
  app_remove(app);
  g_dbus_method_invocation_return_value(invocation, NULL);
}

static void
manager_method_call(FbIface *iface, const char *method, GVariant *parameters,
                    GDBusMethodInvocation *invocation)
{
  FbGatt *gatt = iface->user_data;

  if (g_str_equal(method, "RegisterApplication"))
    register_application(gatt, parameters, invocation);
  else
    unregister_application(gatt, parameters, invocation);
}

static GVariant *
manager_get_property(FbIface *iface, const char *name)
{
  return NULL;
}

static const FbIfaceClass manager_class = {
  .name = FB_GATT_MANAGER_INTERFACE,
  .get_property = manager_get_property,
  .method_call = manager_method_call,
};

/* ---- Lookups ----------------------------------------------------------- */

typedef struct {
  Chrc *chrc; /* the value, or the CCC or CEP when @kind says so */
  Desc *desc;
  enum { ATTR_VALUE, ATTR_CCC, ATTR_CEP, ATTR_DESC } kind;
} Attr;

static gboolean
find_attr(FbGatt *gatt, guint16 handle, Attr *attr)
{
  memset(attr, 0, sizeof(*attr));
  for (guint a = 0; a < gatt->apps->len; a++) {
    App *app = gatt->apps->pdata[a];

    for (guint s = 0; s < app->services->len; s++) {
      Service *service = app->services->pdata[s];

      if (service->handle == 0 || handle < service->handle ||
          handle > service->handle + service->count - 1)
        continue;
      for (guint c = 0; c < service->chrcs->len; c++) {
        Chrc *chrc = service->chrcs->pdata[c];

        attr->chrc = chrc;
        if (handle == chrc->handle)
          attr->kind = ATTR_VALUE;
        else if (chrc->ccc_handle != 0 && handle == chrc->ccc_handle)
          attr->kind = ATTR_CCC;
        else if (chrc->cep_handle != 0 && handle == chrc->cep_handle)
          attr->kind = ATTR_CEP;
        else
          continue;
        return TRUE;
      }
      attr->chrc = NULL;
      for (guint d = 0; d < service->descs->len; d++) {
        Desc *desc = service->descs->pdata[d];

        if (desc->handle == handle) {
          attr->desc = desc;
          attr->kind = ATTR_DESC;
          return TRUE;
        }
      }
    }
  }
  return FALSE;
}

gboolean
fb_gatt_find(FbGatt *gatt, const FbUuid *service_uuid, const FbUuid *chrc_uuid,
             FbGattChrcInfo *info)
{
  for (guint a = 0; a < gatt->apps->len; a++) {
    App *app = gatt->apps->pdata[a];

    for (guint s = 0; app->reg == NULL && s < app->services->len; s++) {
      Service *service = app->services->pdata[s];

      if (service->handle == 0 ||
          (service_uuid != NULL && !fb_uuid_equal(&service->uuid, service_uuid)))
        continue;
      for (guint c = 0; c < service->chrcs->len; c++) {
        Chrc *chrc = service->chrcs->pdata[c];

        if (!fb_uuid_equal(&chrc->uuid, chrc_uuid))
          continue;
        info->value_handle = chrc->handle;
        info->ccc_handle = chrc->ccc_handle;
        info->properties = chrc->props;
        info->write_acquired = proxy_has(chrc->proxy, "WriteAcquired");
        info->notify_acquired = proxy_has(chrc->proxy, "NotifyAcquired");
        return TRUE;
      }
    }
  }
  return FALSE;
}

/* The ATT server's check of an attribute's permissions on a link without
 * encryption, the level a Matter commissioning link has. */
static guint8
check_permissions(guint32 perm, guint32 mask)
{
  if (perm != 0 && (mask & PERM_READ) && !(perm & PERM_READ))
    return FB_ATT_READ_NOT_PERMITTED;
  if (perm != 0 && (mask & PERM_WRITE) && !(perm & PERM_WRITE))
    return FB_ATT_WRITE_NOT_PERMITTED;
  perm &= mask;
  if (perm & (PERM_SECURE | PERM_AUTHEN))
    return FB_ATT_AUTHENTICATION;
  if (perm & PERM_ENCRYPT)
    return FB_ATT_INSUFFICIENT_ENCRYPTION;
  return 0;
}

/* ---- Writes ------------------------------------------------------------ */

static void
on_write_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Op *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL) {
    g_message("WriteValue failed: %s", error->message);
    op_answer(op, error_to_ecode(error, FB_ATT_WRITE_NOT_PERMITTED), NULL);
  } else if (g_variant_n_children(reply) != 0) {
    g_warning("invalid return value for WriteValue");
    op_answer(op, FB_ATT_REQUEST_NOT_SUPPORTED, NULL);
  } else {
    op_answer(op, 0, NULL);
  }
  op_dequeue(op);
  op_unref(op);
}

/* WriteValue(value, options): with a reply to wait for when @queue is set,
 * else answered at once. */
static void
send_write(App *app, Proxy *proxy, GQueue *queue, Op *op)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(op->value, &len);
  GVariant *parameters =
      g_variant_new("(@ay@a{sv})", g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1),
                    op_options(op, FALSE));

  op->link->write_path = "value";
  if (queue == NULL) {
    send_and_forget(app, proxy->path, proxy->interface, "WriteValue", parameters);
    op_answer(op, 0, NULL);
    return;
  }
  op_enqueue(queue, op);
  op_ref(op);
  g_dbus_connection_call(bus(), app->owner, proxy->path, proxy->interface, "WriteValue", parameters,
                         NULL, G_DBUS_CALL_FLAGS_NONE, FB_GATT_CALL_TIMEOUT_MS, NULL,
                         on_write_reply, op);
}

typedef struct {
  Chrc *chrc;
  App *app;
} ChrcCall;

static ChrcCall *
chrc_call_new(Chrc *chrc)
{
  ChrcCall *call = g_new0(ChrcCall, 1);

  call->chrc = chrc;
  call->app = chrc->service->app;
  app_ref(call->app);
  return call;
}

/* The characteristic, unless it left with its application meanwhile. */
static Chrc *
chrc_call_finish(ChrcCall *call)
{
  Chrc *chrc = NULL;

  for (guint s = 0; !call->app->gone && s < call->app->services->len; s++) {
    Service *service = call->app->services->pdata[s];

    if (g_ptr_array_find(service->chrcs, call->chrc, NULL))
      chrc = call->chrc;
  }
  app_unref(call->app);
  g_free(call);
  return chrc;
}

static char *
socket_type(int fd)
{
  int type = 0;
  socklen_t len = sizeof(type);

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    return g_strdup_printf("not a socket (%s)", g_strerror(errno));
  switch (type) {
  case SOCK_SEQPACKET:
    return g_strdup("seqpacket");
  case SOCK_STREAM:
    return g_strdup("stream");
  case SOCK_DGRAM:
    return g_strdup("dgram");
  default:
    return g_strdup_printf("type %d", type);
  }
}

/* A HUP on an acquired socket: bluetoothd forgets it. */
static gboolean
on_write_fd_hup(int fd, GIOCondition condition, gpointer user_data)
{
  Chrc *chrc = user_data;

  g_message("%s: the write socket closed", chrc->proxy->path);
  chrc->write_watch = 0;
  close_fd(&chrc->write_fd, &chrc->write_watch);
  return G_SOURCE_REMOVE;
}

static gboolean
send_fd(int fd, GBytes *value)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(value, &len);

  /* bluetoothd's sendmsg() would block on a full blocking socket; the
   * fake treats that as the failure it would otherwise hide. */
  return send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
}

/* WriteValue for what AcquireWrite did not take. */
static void
flush_pending_writes(Chrc *chrc)
{
  GQueue ops = chrc->pending_writes;

  g_queue_init(&chrc->pending_writes);
  for (GList *l = ops.head; l != NULL; l = l->next) {
    Op *op = l->data;

    op->queue = NULL;
    send_write(chrc->service->app, chrc->proxy, &chrc->pending_writes, op);
    op_unref(op);
  }
  g_queue_clear(&ops);
}

static gboolean
take_fd(GDBusConnection *connection, GAsyncResult *result, GVariant **reply_out, int *fd_out,
        guint16 *mtu_out, GError **error)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_with_unix_fd_list_finish(connection, &fds, result, error);
  gint32 index;

  *fd_out = -1;
  if (reply == NULL)
    return FALSE;
  *reply_out = g_variant_ref(reply);
  if (!g_variant_is_of_type(reply, G_VARIANT_TYPE("(hq)")) || fds == NULL)
    return TRUE;
  g_variant_get(reply, "(hq)", &index, mtu_out);
  *fd_out = g_unix_fd_list_get(fds, index, NULL);
  return TRUE;
}

static void
on_acquire_write(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Chrc *chrc = chrc_call_finish(user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint16 mtu = 0;
  int fd;
  Op *op;

  if (!take_fd(G_DBUS_CONNECTION(source), result, &reply, &fd, &mtu, &error)) {
    guint8 ecode = error_to_ecode(error, FB_ATT_WRITE_NOT_PERMITTED);

    g_warning("failed to acquire write: %s", error->message);
    if (chrc == NULL)
      return;
    if (ecode != FB_ATT_UNLIKELY) {
      /* bluetoothd answers the first write with the error and leaves it
       * queued: later writes to this characteristic queue behind it and
       * are never answered while the application stays registered. */
      op = g_queue_peek_head(&chrc->pending_writes);
      g_warning("%s: later writes stay queued, as in bluetoothd 5.66", chrc->proxy->path);
      op_answer(op, ecode, NULL);
      return;
    }
    flush_pending_writes(chrc);
    return;
  }
  if (chrc == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  op = g_queue_peek_head(&chrc->pending_writes);
  if (op != NULL && op->link->closed) {
    /* The link dropped while bluetoothd waited: it lets the socket go and
     * leaves the write queued, so later writes queue behind it. */
    g_warning("%s: the link dropped during AcquireWrite; later writes stay queued, as in "
              "bluetoothd 5.66",
              chrc->proxy->path);
    if (fd >= 0)
      close(fd);
    return;
  }
  if (fd < 0) {
    g_warning("invalid AcquireWrite response");
    flush_pending_writes(chrc);
    return;
  }
  g_message("AcquireWrite success: fd %d MTU %u", fd, mtu);
  close_fd(&chrc->write_fd, &chrc->write_watch);
  chrc->write_fd = fd;
  chrc->write_watch = g_unix_fd_add(fd, G_IO_HUP | G_IO_ERR, on_write_fd_hup, chrc);
  while ((op = g_queue_peek_head(&chrc->pending_writes)) != NULL) {
    op->link->write_path = "fd";
    op->link->write_mtu = mtu;
    g_free(op->link->write_socket);
    op->link->write_socket = socket_type(fd);
    if (!send_fd(fd, op->value)) {
      flush_pending_writes(chrc);
      return;
    }
    op_answer(op, 0, NULL);
    op_dequeue(op);
  }
}

static void
acquire_write(Chrc *chrc, Op *op)
{
  gboolean acquiring = !g_queue_is_empty(&chrc->pending_writes);

  op_enqueue(&chrc->pending_writes, op);
  if (acquiring)
    return;
  g_dbus_connection_call_with_unix_fd_list(
      bus(), chrc->service->app->owner, chrc->proxy->path, CHRC_IFACE, "AcquireWrite",
      g_variant_new("(@a{sv})", op_options(op, FALSE)), NULL, G_DBUS_CALL_FLAGS_NONE,
      FB_GATT_CALL_TIMEOUT_MS, NULL, NULL, on_acquire_write, chrc_call_new(chrc));
}

static void
write_chrc(Chrc *chrc, Op *op)
{
  GQueue *queue = (chrc->props & FB_CHRC_WRITE_WITHOUT_RESP) ? NULL : &chrc->pending_writes;

  if (chrc->write_fd >= 0 && op->link->mode != FB_LINK_VALUE) {
    op->link->write_path = "fd";
    if (!send_fd(chrc->write_fd, op->value)) {
      g_warning("unable to write: %s", g_strerror(errno));
      op_answer(op, FB_ATT_UNLIKELY, NULL);
      return;
    }
    op_answer(op, 0, NULL);
    return;
  }
  if (proxy_has(chrc->proxy, "WriteAcquired") && op->link->mode != FB_LINK_VALUE) {
    acquire_write(chrc, op);
    return;
  }
  send_write(chrc->service->app, chrc->proxy, queue, op);
}

void
fb_gatt_write(FbGatt *gatt, FbLink *link, guint16 handle, GBytes *value, gboolean request,
              FbGattDone done, gpointer user_data)
{
  Op *op = op_new(link, value, 0, done, user_data);
  Attr attr;
  guint8 ecode;

  if (!find_attr(gatt, handle, &attr)) {
    op_answer(op, FB_ATT_INVALID_HANDLE, NULL);
  } else if (attr.kind == ATTR_CCC) {
    gsize len = g_bytes_get_size(value);
    const guint8 *data = g_bytes_get_data(value, NULL);

    if (len == 0 || len > 2)
      op_answer(op, FB_ATT_INVALID_VALUE_LEN, NULL);
    else
      op_answer(op,
                fb_gatt_write_ccc(gatt, link, handle, len == 1 ? data[0] : data[0] | data[1] << 8),
                NULL);
  } else if (attr.kind == ATTR_CEP) {
    op_answer(op, FB_ATT_WRITE_NOT_PERMITTED, NULL);
  } else if (attr.kind == ATTR_DESC) {
    ecode = check_permissions(attr.desc->perm, PERM_WRITE_MASK);
    if (ecode != 0)
      op_answer(op, ecode, NULL);
    else
      send_write(attr.desc->service->app, attr.desc->proxy, &attr.desc->pending_writes, op);
  } else {
    ecode = check_permissions(attr.chrc->perm, PERM_WRITE_MASK);
    if (ecode != 0)
      op_answer(op, ecode, NULL);
    else
      write_chrc(attr.chrc, op);
  }
  op_unref(op);
}

/* ---- Reads ------------------------------------------------------------- */

static void
on_read_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Op *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (reply == NULL) {
    g_message("ReadValue failed: %s", error->message);
    op_answer(op, error_to_ecode(error, FB_ATT_READ_NOT_PERMITTED), NULL);
  } else if (!g_variant_is_of_type(reply, G_VARIANT_TYPE("(ay)"))) {
    g_warning("invalid return value for ReadValue");
    op_answer(op, FB_ATT_REQUEST_NOT_SUPPORTED, NULL);
  } else {
    value = g_variant_get_child_value(reply, 0);
    bytes =
        g_bytes_new(g_variant_get_data(value), MIN(g_variant_get_size(value), ATT_MAX_VALUE_LEN));
    op_answer(op, 0, bytes);
  }
  op_dequeue(op);
  op_unref(op);
}

static void
send_read(App *app, Proxy *proxy, GQueue *queue, Op *op)
{
  op_enqueue(queue, op);
  op_ref(op);
  g_dbus_connection_call(bus(), app->owner, proxy->path, proxy->interface, "ReadValue",
                         g_variant_new("(@a{sv})", op_options(op, FALSE)), NULL,
                         G_DBUS_CALL_FLAGS_NONE, FB_GATT_CALL_TIMEOUT_MS, NULL, on_read_reply, op);
}

void
fb_gatt_read(FbGatt *gatt, FbLink *link, guint16 handle, guint16 offset, FbGattDone done,
             gpointer user_data)
{
  Op *op = op_new(link, NULL, offset, done, user_data);
  Attr attr;
  guint8 ecode;

  if (!find_attr(gatt, handle, &attr)) {
    op_answer(op, FB_ATT_INVALID_HANDLE, NULL);
  } else if (attr.kind == ATTR_CCC || attr.kind == ATTR_CEP) {
    guint16 value = attr.kind == ATTR_CCC ? link_ccc(link, handle) : attr.chrc->ext_props;
    guint8 le[2] = { (guint8) value, (guint8) (value >> 8) };
    g_autoptr(GBytes) bytes = offset <= 2 ? g_bytes_new(le + offset, 2 - offset) : NULL;

    op_answer(op, bytes != NULL ? 0 : FB_ATT_INVALID_OFFSET, bytes);
  } else if (attr.kind == ATTR_DESC) {
    ecode = check_permissions(attr.desc->perm, PERM_READ_MASK);
    if (ecode != 0)
      op_answer(op, ecode, NULL);
    else
      send_read(attr.desc->service->app, attr.desc->proxy, &attr.desc->pending_reads, op);
  } else {
    ecode = check_permissions(attr.chrc->perm, PERM_READ_MASK);
    if (ecode != 0)
      op_answer(op, ecode, NULL);
    else
      send_read(attr.chrc->service->app, attr.chrc->proxy, &attr.chrc->pending_reads, op);
  }
  op_unref(op);
}

/* ---- Notifications and indications ------------------------------------- */

/* To every link that turned them on for @chrc, cut to its MTU - 3; after
 * each indication's confirmation, Confirm() on the characteristic. */
static void
notify_links(FbGatt *gatt, Chrc *chrc, const guint8 *value, gsize len)
{
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func((GDestroyNotify) fb_link_unref);

  len = MIN(len, ATT_MAX_VALUE_LEN);
  for (guint i = 0; i < gatt->links->len; i++)
    g_ptr_array_add(links, fb_link_ref(gatt->links->pdata[i]));
  for (guint i = 0; i < links->len; i++) {
    FbLink *link = links->pdata[i];
    guint16 ccc = link_ccc(link, chrc->ccc_handle);
    gsize room = link->mtu - 3;
    gboolean indication = (ccc & 0x0002) != 0;

    if (link->closed || !(ccc & 0x0003))
      continue;
    if (len > room) {
      g_message("%s: %zu bytes cut to %zu for MTU %u", link->device, len, room, link->mtu);
      link->truncated++;
    }
    link->deliver(link, value, MIN(len, room), len, indication);
    if (indication && !link->closed) {
      link->confirms++;
      send_and_forget(chrc->service->app, chrc->proxy->path, CHRC_IFACE, "Confirm", NULL);
    }
  }
}

static gboolean
on_notify_fd(int fd, GIOCondition condition, gpointer user_data)
{
  Chrc *chrc = user_data;
  guint8 buf[NOTIFY_READ_LEN];
  ssize_t n = (condition & G_IO_IN) ? read(fd, buf, sizeof(buf)) : 0;

  if (n <= 0) {
    g_message("%s: the notification socket closed", chrc->proxy->path);
    chrc->notify_watch = 0;
    close_fd(&chrc->notify_fd, &chrc->notify_watch);
    return G_SOURCE_REMOVE;
  }
  notify_links(chrc->service->app->gatt, chrc, buf, (gsize) n);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  ChrcCall *call;
  FbLink *link;
} NotifyCall;

static void
on_acquire_notify(GObject *source, GAsyncResult *result, gpointer user_data)
{
  NotifyCall *call = user_data;
  g_autoptr(FbLink) link = call->link;
  Chrc *chrc = chrc_call_finish(call->call);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *name = NULL;
  guint16 mtu = 0;
  int fd;

  g_free(call);
  if (!take_fd(G_DBUS_CONNECTION(source), result, &reply, &fd, &mtu, &error)) {
    g_warning("failed to acquire notify: %s", error->message);
    name = error_name(error);
    if (chrc == NULL || link->closed || g_str_equal(name, "org.freedesktop.DBus.Error.NoReply") ||
        g_str_equal(name, FB_ERROR_PREFIX "Failed"))
      return;
    goto retry;
  }
  /* The link or the characteristic went meanwhile: the socket goes too. */
  if (chrc == NULL || link->closed) {
    if (fd >= 0)
      close(fd);
    return;
  }
  if (fd < 0) {
    g_warning("invalid AcquireNotify response");
    goto retry;
  }
  g_message("AcquireNotify success: fd %d MTU %u", fd, mtu);
  close_fd(&chrc->notify_fd, &chrc->notify_watch);
  chrc->notify_fd = fd;
  chrc->notify_watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_notify_fd, chrc);
  link->notify_path = "fd";
  link->notify_mtu = mtu;
  g_free(link->notify_socket);
  link->notify_socket = socket_type(fd);
  chrc->ntfy_cnt++;
  return;

retry:
  link->notify_path = "value";
  send_and_forget(chrc->service->app, chrc->proxy->path, CHRC_IFACE, "StartNotify", NULL);
  chrc->ntfy_cnt++;
}

/* bluetoothd's handling of a configuration change for @chrc: turning off
 * releases the notification socket or calls StopNotify once the last link
 * is off; turning on calls AcquireNotify when NotifyAcquired exists, else
 * StartNotify, both without waiting. */
static guint8
ccc_changed(Chrc *chrc, FbLink *link, guint16 value)
{
  App *app = chrc->service->app;
  g_autoptr(GVariant) options = NULL;
  NotifyCall *call;

  if (value == 0) {
    if (chrc->ntfy_cnt == 0 || --chrc->ntfy_cnt > 0)
      return 0;
    if (chrc->notify_fd >= 0) {
      close_fd(&chrc->notify_fd, &chrc->notify_watch);
      return 0;
    }
    send_and_forget(app, chrc->proxy->path, CHRC_IFACE, "StopNotify", NULL);
    return 0;
  }
  if (chrc->ntfy_cnt == G_MAXUINT)
    return FB_ATT_INSUFFICIENT_RESOURCES;
  if (value > 2 || (value == 1 && !(chrc->props & FB_CHRC_NOTIFY)) ||
      (value == 2 && !(chrc->props & FB_CHRC_INDICATE)))
    return FB_ATT_CCC_IMPROPERLY_CONFIGURED;
  if (chrc->notify_fd >= 0) {
    link->notify_path = "fd";
    chrc->ntfy_cnt++;
    return 0;
  }
  if (proxy_has(chrc->proxy, "NotifyAcquired") && link != NULL && link->mode != FB_LINK_VALUE) {
    Op *op = op_new(link, NULL, 0, NULL, NULL);

    options = g_variant_ref_sink(op_options(op, FALSE));
    op_unref(op);
    call = g_new0(NotifyCall, 1);
    call->call = chrc_call_new(chrc);
    call->link = fb_link_ref(link);
    g_dbus_connection_call_with_unix_fd_list(bus(), app->owner, chrc->proxy->path, CHRC_IFACE,
                                             "AcquireNotify", g_variant_new("(@a{sv})", options),
                                             NULL, G_DBUS_CALL_FLAGS_NONE, FB_GATT_CALL_TIMEOUT_MS,
                                             NULL, NULL, on_acquire_notify, call);
    return 0;
  }
  if (link != NULL)
    link->notify_path = "value";
  send_and_forget(app, chrc->proxy->path, CHRC_IFACE, "StartNotify", NULL);
  chrc->ntfy_cnt++;
  return 0;
}

guint8
fb_gatt_write_ccc(FbGatt *gatt, FbLink *link, guint16 handle, guint16 value)
{
  Attr attr;
  guint8 ecode;

  if (!find_attr(gatt, handle, &attr) || attr.kind != ATTR_CCC)
    return FB_ATT_INVALID_HANDLE;
  ecode = check_permissions(attr.chrc->ccc_perm | PERM_READ | PERM_WRITE, PERM_WRITE_MASK);
  if (ecode != 0)
    return ecode;
  if (value == link_ccc(link, handle))
    return 0;
  ecode = ccc_changed(attr.chrc, link, value);
  if (ecode == 0) {
    if (value != 0)
      g_hash_table_insert(link->ccc, GUINT_TO_POINTER(handle), GUINT_TO_POINTER(value));
    else
      g_hash_table_remove(link->ccc, GUINT_TO_POINTER(handle));
  }
  return ecode;
}

void
fb_gatt_add_link(FbGatt *gatt, FbLink *link)
{
  g_ptr_array_add(gatt->links, fb_link_ref(link));
}

void
fb_gatt_remove_link(FbGatt *gatt, FbLink *link)
{
  g_autoptr(GList) handles = g_hash_table_get_keys(link->ccc);

  link->closed = TRUE;
  for (GList *l = handles; l != NULL; l = l->next) {
    Attr attr;

    if (find_attr(gatt, (guint16) GPOINTER_TO_UINT(l->data), &attr) && attr.kind == ATTR_CCC)
      ccc_changed(attr.chrc, NULL, 0);
  }
  g_hash_table_remove_all(link->ccc);
  g_ptr_array_remove(gatt->links, link);
}

/* ---- What the database holds ------------------------------------------- */

static void
add_uuid(GPtrArray *uuids, const FbUuid *uuid)
{
  char *string = fb_uuid_to_string(uuid);

  if (g_ptr_array_find_with_equal_func(uuids, string, g_str_equal, NULL))
    g_free(string);
  else
    g_ptr_array_add(uuids, string);
}

GPtrArray *
fb_gatt_primary_uuids(FbGatt *gatt)
{
  GPtrArray *uuids = g_ptr_array_new_with_free_func(g_free);

  for (gsize i = 0; i < G_N_ELEMENTS(core_services); i++) {
    FbUuid uuid;

    fb_uuid_from_16(core_services[i], &uuid);
    add_uuid(uuids, &uuid);
  }
  for (guint a = 0; gatt != NULL && a < gatt->apps->len; a++) {
    App *app = gatt->apps->pdata[a];

    for (guint s = 0; app->reg == NULL && s < app->services->len; s++) {
      Service *service = app->services->pdata[s];

      if (service->handle != 0 && service->primary)
        add_uuid(uuids, &service->uuid);
    }
  }
  return uuids;
}

static void
update_uuids(FbGatt *gatt)
{
  fb_adapter_uuids_changed(gatt->adapter);
}

static void
add_common(GVariantBuilder *builder, App *app, const char *kind, guint16 handle)
{
  g_variant_builder_add(builder, "{sv}", "Kind", g_variant_new_string(kind));
  g_variant_builder_add(builder, "{sv}", "Handle", g_variant_new_uint16(handle));
  g_variant_builder_add(builder, "{sv}", "Owner", g_variant_new_string(app->owner));
  g_variant_builder_add(builder, "{sv}", "Application", g_variant_new_object_path(app->path));
}

static void
add_uuid_entry(GVariantBuilder *builder, const FbUuid *uuid)
{
  g_autofree char *string = fb_uuid_to_string(uuid);

  g_variant_builder_add(builder, "{sv}", "UUID", g_variant_new_string(string));
}

static void
add_proxy_entry(GVariantBuilder *builder, Proxy *proxy, const char *key, const char *property)
{
  GVariant *value = proxy_get(proxy, property);

  if (value != NULL)
    g_variant_builder_add(builder, "{sv}", key, value);
}

static GVariant *
describe_service(Service *service)
{
  GVariantBuilder builder;
  g_autoptr(GPtrArray) includes = g_ptr_array_copy(service->includes, NULL, NULL);

  g_ptr_array_add(includes, NULL);
  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  add_common(&builder, service->app, "service", service->handle);
  add_uuid_entry(&builder, &service->uuid);
  g_variant_builder_add(&builder, "{sv}", "Path", g_variant_new_object_path(service->proxy->path));
  g_variant_builder_add(&builder, "{sv}", "Primary", g_variant_new_boolean(service->primary));
  g_variant_builder_add(&builder, "{sv}", "Includes",
                        g_variant_new_objv((const char *const *) includes->pdata, -1));
  return g_variant_builder_end(&builder);
}

static GVariant *
describe_chrc(Chrc *chrc)
{
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  add_common(&builder, chrc->service->app, "characteristic", chrc->handle);
  add_uuid_entry(&builder, &chrc->uuid);
  g_variant_builder_add(&builder, "{sv}", "Path", g_variant_new_object_path(chrc->proxy->path));
  g_variant_builder_add(&builder, "{sv}", "Service",
                        g_variant_new_object_path(chrc->service->proxy->path));
  add_proxy_entry(&builder, chrc->proxy, "Flags", "Flags");
  g_variant_builder_add(&builder, "{sv}", "Properties", g_variant_new_byte(chrc->props));
  g_variant_builder_add(&builder, "{sv}", "WriteAcquired",
                        g_variant_new_boolean(proxy_has(chrc->proxy, "WriteAcquired")));
  g_variant_builder_add(&builder, "{sv}", "NotifyAcquired",
                        g_variant_new_boolean(proxy_has(chrc->proxy, "NotifyAcquired")));
  g_variant_builder_add(&builder, "{sv}", "WriteSocket",
                        g_variant_new_boolean(chrc->write_fd >= 0));
  g_variant_builder_add(&builder, "{sv}", "NotifySocket",
                        g_variant_new_boolean(chrc->notify_fd >= 0));
  g_variant_builder_add(&builder, "{sv}", "Notifying", g_variant_new_uint32(chrc->ntfy_cnt));
  return g_variant_builder_end(&builder);
}

static GVariant *
describe_chrc_attr(Chrc *chrc, const char *kind, guint16 handle)
{
  GVariantBuilder builder;
  FbUuid uuid;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  add_common(&builder, chrc->service->app, kind, handle);
  fb_uuid_from_16(g_str_equal(kind, "ccc") ? 0x2902 : 0x2900, &uuid);
  add_uuid_entry(&builder, &uuid);
  g_variant_builder_add(&builder, "{sv}", "Characteristic",
                        g_variant_new_object_path(chrc->proxy->path));
  return g_variant_builder_end(&builder);
}

static GVariant *
describe_desc(Desc *desc)
{
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  add_common(&builder, desc->service->app, "descriptor", desc->handle);
  add_uuid_entry(&builder, &desc->uuid);
  g_variant_builder_add(&builder, "{sv}", "Path", g_variant_new_object_path(desc->proxy->path));
  g_variant_builder_add(&builder, "{sv}", "Characteristic",
                        g_variant_new_object_path(desc->chrc_path));
  add_proxy_entry(&builder, desc->proxy, "Flags", "Flags");
  return g_variant_builder_end(&builder);
}

static GVariant *
describe_profile(App *app, Proxy *proxy)
{
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  add_common(&builder, app, "profile", 0);
  g_variant_builder_add(&builder, "{sv}", "Path", g_variant_new_object_path(proxy->path));
  add_proxy_entry(&builder, proxy, "UUIDs", "UUIDs");
  return g_variant_builder_end(&builder);
}

static gint
compare_handles(gconstpointer a, gconstpointer b)
{
  guint16 x = 0, y = 0;

  g_variant_lookup(*(GVariant **) a, "Handle", "q", &x);
  g_variant_lookup(*(GVariant **) b, "Handle", "q", &y);
  return (gint) x - (gint) y;
}

GVariant *
fb_gatt_describe(FbGatt *gatt)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new();

  for (guint a = 0; a < gatt->apps->len; a++) {
    App *app = gatt->apps->pdata[a];

    if (app->reg != NULL)
      continue;
    for (guint p = 0; p < app->profiles->len; p++)
      g_ptr_array_add(entries, describe_profile(app, app->profiles->pdata[p]));
    for (guint s = 0; s < app->services->len; s++) {
      Service *service = app->services->pdata[s];

      g_ptr_array_add(entries, describe_service(service));
      for (guint c = 0; c < service->chrcs->len; c++) {
        Chrc *chrc = service->chrcs->pdata[c];

        g_ptr_array_add(entries, describe_chrc(chrc));
        if (chrc->ccc_handle != 0)
          g_ptr_array_add(entries, describe_chrc_attr(chrc, "ccc", chrc->ccc_handle));
        if (chrc->cep_handle != 0)
          g_ptr_array_add(entries, describe_chrc_attr(chrc, "cep", chrc->cep_handle));
      }
      for (guint d = 0; d < service->descs->len; d++)
        g_ptr_array_add(entries, describe_desc(service->descs->pdata[d]));
    }
  }
  g_ptr_array_sort(entries, compare_handles);
  return g_variant_new_array(G_VARIANT_TYPE("a{sv}"), (GVariant **) entries->pdata, entries->len);
}

/* ---- The manager ------------------------------------------------------- */

FbGatt *
fb_gatt_new(FbAdapter *adapter)
{
  FbGatt *gatt = g_new0(FbGatt, 1);

  gatt->adapter = adapter;
  gatt->apps = g_ptr_array_new();
  gatt->links = g_ptr_array_new_with_free_func((GDestroyNotify) fb_link_unref);
  gatt->next_handle = FIRST_FREE_HANDLE;
  gatt->iface.klass = &manager_class;
  gatt->iface.user_data = gatt;
  fb_object_add(adapter->path, &gatt->iface);
  return gatt;
}

void
fb_gatt_free(FbGatt *gatt)
{
  if (gatt == NULL)
    return;
  while (gatt->apps->len > 0)
    app_remove(gatt->apps->pdata[0]);
  fb_object_remove(gatt->adapter->path, &gatt->iface);
  g_ptr_array_unref(gatt->apps);
  g_ptr_array_unref(gatt->links);
  g_free(gatt);
}
