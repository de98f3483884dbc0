/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* DNS-SD advertising (Core spec 4.3) through avahi-daemon.
 *
 * Two halves. md_dnssd_describe() is pure: from what the node is and holds
 * (MdDnssdState) it computes the services that should be on the network,
 * instance names, subtypes and TXT records included. MdDnssd keeps those
 * services registered with avahi-daemon: one entry group per service, so
 * that a change to one (a window opening or closing) leaves the others
 * untouched on the network. It follows avahi-daemon: missing at start, gone
 * or restarted, it registers everything again once avahi-daemon runs. */

#include <glib.h>

#include "commissioning.h"
#include "matter/securechannel.h"
#include "node.h"

#define MD_DNSSD_COMMISSIONABLE_TYPE "_matterc._udp"
#define MD_DNSSD_OPERATIONAL_TYPE "_matter._tcp"

typedef enum {
  MD_DNSSD_COMMISSIONABLE, /* _matterc._udp, while a window is open */
  MD_DNSSD_OPERATIONAL,    /* _matter._tcp, one per fabric */
} MdDnssdKind;

/* One service to publish on the node's port, on every interface and
 * protocol avahi-daemon serves, with avahi-daemon's host name. */
typedef struct {
  MdDnssdKind kind;
  const char *type; /* MD_DNSSD_*_TYPE */
  char *name;       /* instance name */
  GStrv subtypes;   /* labels such as "_L840", without "._sub.<type>" */
  GStrv txt;        /* "KEY=value" strings, in publishing order */
  guint16 port;
} MdDnssdService;

void md_dnssd_service_free(MdDnssdService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdDnssdService, md_dnssd_service_free)
gboolean md_dnssd_service_equal(const MdDnssdService *a, const MdDnssdService *b);
/* The TXT value of @key ("D" gives "840" for "D=840"), or NULL when absent. */
const char *md_dnssd_service_txt(const MdDnssdService *service, const char *key);

typedef struct {
  guint64 compressed_fabric_id;
  guint64 node_id;
} MdDnssdFabric;

/* Everything the advertisements are made of. */
typedef struct {
  guint16 port; /* the UDP port matterd serves on */
  guint16 vendor_id;
  guint16 product_id;
  MdWindowKind window;
  guint16 discriminator;     /* the open window's (an enhanced one has its own) */
  guint64 commissionable_id; /* the window's random instance name */
  gboolean commissioned;     /* some committed fabric holds the node (PH) */
  /* The session parameters the node announces when it establishes a
   * session (present bits as in MatterSessionParams): SII, SAI and SAT say
   * the same on DNS-SD. */
  MatterSessionParams session_params;
  const MdDnssdFabric *fabrics; /* the fabric table's view, pending included */
  gsize fabric_count;
} MdDnssdState;

/* The services @state calls for (MdDnssdService, owned): the commissionable
 * one first while a window is open, then one operational service per
 * fabric in the order given. */
GPtrArray *md_dnssd_describe(const MdDnssdState *state);

/* ---- Publishing through avahi-daemon ---------------------------------- */

typedef struct _MdDnssd MdDnssd;

/* Connects to avahi-daemon (on the system bus) from the default main
 * context, to publish on @port. Without avahi-daemon it logs one warning
 * and waits for it to appear. */
MdDnssd *md_dnssd_new(guint16 port);
/* Withdraws everything it published. */
void md_dnssd_free(MdDnssd *dnssd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdDnssd, md_dnssd_free)

/* Reads the node (window, discriminator, vendor and product, fabric table
 * view) and changes what is published to match: only services that differ
 * are withdrawn or registered, so calling it again with nothing changed
 * does nothing. A window that opens gets a new random instance name. */
void md_dnssd_sync(MdDnssd *dnssd, MdNode *node);
