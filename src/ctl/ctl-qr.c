/* SPDX-License-Identifier: Apache-2.0 */
/* QR codes as text. */

#include "build-config.h"

#include "ctl-qr.h"

#include <qrencode.h>
#include <string.h>
#include <unistd.h>

#define ANSI_BLACK_ON_WHITE "\033[30;107m"
#define ANSI_RESET "\033[0m"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QRcode, QRcode_free)

/* Whether the module at @x, @y (margin included) is dark. */
static gboolean
dark(const QRcode *code, int x, int y)
{
  x -= MD_CTL_QR_MARGIN;
  y -= MD_CTL_QR_MARGIN;
  if (x < 0 || y < 0 || x >= code->width || y >= code->width)
    return FALSE;
  return code->data[y * code->width + x] & 1;
}

static void
render_ascii(GString *out, const QRcode *code)
{
  int size = code->width + 2 * MD_CTL_QR_MARGIN;

  for (int y = 0; y < size; y++) {
    for (int x = 0; x < size; x++)
      g_string_append(out, dark(code, x, y) ? "##" : "  ");
    g_string_append_c(out, '\n');
  }
}

static void
render_terminal(GString *out, const QRcode *code)
{
  /* Indexed by top dark | bottom dark << 1. */
  static const char *const blocks[] = { " ", "\u2580", "\u2584", "\u2588" };
  int size = code->width + 2 * MD_CTL_QR_MARGIN;

  for (int y = 0; y < size; y += 2) {
    g_string_append(out, ANSI_BLACK_ON_WHITE);
    for (int x = 0; x < size; x++)
      g_string_append(out, blocks[dark(code, x, y) | dark(code, x, y + 1) << 1]);
    g_string_append(out, ANSI_RESET "\n");
  }
}

char *
md_ctl_qr_render(const char *text, MdCtlQrStyle style)
{
  g_autoptr(QRcode) code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  GString *out;

  if (code == NULL)
    return NULL;
  out = g_string_new(NULL);
  if (style == MD_CTL_QR_TERMINAL)
    render_terminal(out, code);
  else
    render_ascii(out, code);
  return g_string_free(out, FALSE);
}

MdCtlQrStyle
md_ctl_qr_style_for_stdout(void)
{
  const char *term = g_getenv("TERM");

  if (!isatty(STDOUT_FILENO) || !g_get_charset(NULL) || term == NULL || g_str_equal(term, "dumb"))
    return MD_CTL_QR_ASCII;
  return MD_CTL_QR_TERMINAL;
}
