/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The commissionee's side of PASE (Core spec 4.14.1) on the message
 * layer: answers PBKDFParamRequest while a commissioning window is open,
 * one handshake at a time (a second commissioner gets BUSY), turns an
 * established handshake into a PASE session, and reports failed attempts
 * to the commissioning window. Also ends secure sessions the peer closes
 * (CloseSession). */

#include <glib.h>

#include "commissioning.h"
#include "messaging.h"

typedef struct _MdPaseServer MdPaseServer;

MdPaseServer *md_pase_server_new(MdMessaging *messaging, MdCommissioning *commissioning,
                                 GError **error);
void md_pase_server_free(MdPaseServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdPaseServer, md_pase_server_free)
