/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A link that carries whole Matter messages between a test's commissioner
 * (udp-commissioner.h) and the daemon by another way than its UDP socket:
 * a BTP central over the fake BlueZ (md-test-btp-central.h). */

#include <glib.h>

typedef struct {
  /* Queues @msg as one SDU and starts sending it; FALSE when the link
   * cannot take it. */
  gboolean (*send)(gpointer link, const guint8 *msg, gsize len);
  /* Runs the link without blocking: the next message that arrived
   * whole, or NULL. */
  GBytes *(*receive)(gpointer link);
} MdTestLinkFuncs;
