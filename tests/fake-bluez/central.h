/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Scripted LE centrals: each connects to the adapter as a phone would,
 * appears as an org.bluez.Device1 object, and reads, writes and
 * subscribes through the GATT database exactly as ATT requests from a
 * remote device reach it. */

#include "adapter.h"

FbCentral *fb_central_new(FbAdapter *adapter);
void fb_central_free(FbCentral *central);

/* The adapter powered off (@reason "power-off") or went away: every link
 * drops and the devices' objects go. */
void fb_central_drop_all(FbCentral *central, const char *reason);
/* Adapter1.RemoveDevice. */
void fb_central_remove_device(FbCentral *central, const char *path,
                              GDBusMethodInvocation *invocation);

/* Control1 methods. */
void fb_central_connect(FbCentral *central, GVariant *parameters,
                        GDBusMethodInvocation *invocation);
void fb_central_call(FbCentral *central, const char *method, GVariant *parameters,
                     GDBusMethodInvocation *invocation);
