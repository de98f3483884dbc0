/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* org.bluez.test.Control1 at /org/bluez/test: how a test drives the fake
 * (README.md lists its methods and signals). */

#include "adapter.h"

void fb_control_init(void);

/* The fake's adapter, which main.c keeps: NULL while there is none. */
FbAdapter *fb_main_adapter(void);
/* A controller appears or goes away. */
gboolean fb_main_add_adapter(void);
gboolean fb_main_remove_adapter(void);
