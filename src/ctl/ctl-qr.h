/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* QR codes drawn as text with libqrencode, for `matterctl window open`. */

#include <glib.h>

typedef enum {
  /* Two characters per module, "##" dark and "  " light, one line per
   * row: for files, pipes and terminals that are not UTF-8. */
  MD_CTL_QR_ASCII,
  /* Unicode half blocks, two rows per line, black on white (ANSI
   * colours, whatever the terminal's own), for UTF-8 terminals. */
  MD_CTL_QR_TERMINAL,
} MdCtlQrStyle;

/* Modules of light margin around the code: the quiet zone ISO/IEC 18004
 * asks for. */
#define MD_CTL_QR_MARGIN 4

/* @text as a QR code (error correction level M, the smallest version it
 * fits), with the margin, in @style; NULL when it cannot be encoded. */
char *md_ctl_qr_render(const char *text, MdCtlQrStyle style);
/* The style for standard output: TERMINAL on a UTF-8 terminal. */
MdCtlQrStyle md_ctl_qr_style_for_stdout(void);
