/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* org.bluez.GattManager1 and the local GATT database as bluetoothd 5.66
 * keeps it: applications registered with their object trees, and the
 * server side of ATT (reads, writes, client characteristic configuration,
 * notifications and indications) that it turns into calls on them. */

#include "adapter.h"
#include "uuid.h"

/* ATT error codes the fake answers with. */
#define FB_ATT_INVALID_HANDLE 0x01
#define FB_ATT_READ_NOT_PERMITTED 0x02
#define FB_ATT_WRITE_NOT_PERMITTED 0x03
#define FB_ATT_AUTHENTICATION 0x05
#define FB_ATT_REQUEST_NOT_SUPPORTED 0x06
#define FB_ATT_INVALID_OFFSET 0x07
#define FB_ATT_AUTHORIZATION 0x08
#define FB_ATT_INVALID_VALUE_LEN 0x0d
#define FB_ATT_UNLIKELY 0x0e
#define FB_ATT_INSUFFICIENT_ENCRYPTION 0x0f
#define FB_ATT_INSUFFICIENT_RESOURCES 0x11
#define FB_ATT_CCC_IMPROPERLY_CONFIGURED 0xfd
#define FB_ATT_ALREADY_IN_PROGRESS 0xfe

/* Characteristic properties. */
#define FB_CHRC_READ 0x02
#define FB_CHRC_WRITE_WITHOUT_RESP 0x04
#define FB_CHRC_WRITE 0x08
#define FB_CHRC_NOTIFY 0x10
#define FB_CHRC_INDICATE 0x20

typedef enum {
  FB_LINK_AUTO,    /* as bluetoothd: the Acquire calls when the properties say so */
  FB_LINK_ACQUIRE, /* the same, and the central insists on them */
  FB_LINK_VALUE,   /* WriteValue and StartNotify only */
} FbLinkMode;

typedef struct _FbLink FbLink;

/* One LE connection's ATT bearer, as the GATT server sees it. */
struct _FbLink {
  gint ref;
  gboolean closed;
  char *device; /* the Device1 object path */
  guint16 mtu;
  FbLinkMode mode;
  GHashTable *ccc; /* CCC handle -> value */
  /* A notification or indication for this link, @value cut to MTU - 3
   * from @offered bytes. */
  void (*deliver)(FbLink *link, const guint8 *value, gsize len, gsize offered, gboolean indication);
  gpointer user_data;
  /* What happened on it, for GetConnection. */
  const char *write_path; /* "fd", "value" or NULL */
  const char *notify_path;
  guint16 write_mtu; /* what AcquireWrite answered */
  guint16 notify_mtu;
  char *write_socket; /* the socket type of the fds, "seqpacket"... */
  char *notify_socket;
  guint confirms; /* Confirm() calls made after its indications */
  guint truncated;
};

FbLink *fb_link_new(const char *device, guint16 mtu, FbLinkMode mode);
FbLink *fb_link_ref(FbLink *link);
void fb_link_unref(FbLink *link);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FbLink, fb_link_unref)

FbGatt *fb_gatt_new(FbAdapter *adapter);
/* Drops every application (as the adapter going away does) and unexports
 * GattManager1. */
void fb_gatt_free(FbGatt *gatt);

/* The UUIDs of the primary services, the built-in ones first. */
GPtrArray *fb_gatt_primary_uuids(FbGatt *gatt);
/* The database as GetApplication describes it. */
GVariant *fb_gatt_describe(FbGatt *gatt);

typedef struct {
  guint16 value_handle;
  guint16 ccc_handle; /* 0: none */
  guint8 properties;
  gboolean write_acquired; /* the WriteAcquired property exists */
  gboolean notify_acquired;
} FbGattChrcInfo;

/* The first characteristic @chrc of a service @service (NULL: any), as
 * a central's discovery finds it. */
gboolean fb_gatt_find(FbGatt *gatt, const FbUuid *service, const FbUuid *chrc,
                      FbGattChrcInfo *info);

typedef void (*FbGattDone)(FbLink *link, guint8 ecode, GBytes *value, gpointer user_data);

/* ATT Write Request (@request) or Write Command to @handle; @done gets
 * the ATT result (for a command too: the fake's central ignores it). */
void fb_gatt_write(FbGatt *gatt, FbLink *link, guint16 handle, GBytes *value, gboolean request,
                   FbGattDone done, gpointer user_data);
/* ATT Read Request (@offset 0) or Read Blob Request. */
void fb_gatt_read(FbGatt *gatt, FbLink *link, guint16 handle, guint16 offset, FbGattDone done,
                  gpointer user_data);
/* A write of @value to a client characteristic configuration descriptor;
 * answered at once, as bluetoothd does. */
guint8 fb_gatt_write_ccc(FbGatt *gatt, FbLink *link, guint16 handle, guint16 value);

void fb_gatt_add_link(FbGatt *gatt, FbLink *link);
/* The link dropped: its configuration is cleared (notifications end). */
void fb_gatt_remove_link(FbGatt *gatt, FbLink *link);
