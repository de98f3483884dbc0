#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An Extended Color Light for matterd: it prints what it is told.

    light.py [--session] [--unique-id ID] [--label TEXT]

Commands take effect at once (no transitions are run: RemainingTime stays
0); each prints one line with who sent it (the context dictionary). Send
SIGUSR1 to toggle the light locally, as a wall switch would: subscribers
see the change. It registers again whenever matterd restarts."""

import argparse
import signal
import sys

from gi.repository import Gio, GLib

from matterd_app import Application, Status, log

EXTENDED_COLOR_LIGHT = (0x010D, 4)

# ColorModeEnum / EnhancedColorModeEnum
HUE_SATURATION, XY, COLOR_TEMPERATURE = 0, 1, 2
# ColorCapabilitiesBitmap: HS, XY, CT
CAPABILITIES = 0x01 | 0x08 | 0x10
MIREDS_MIN, MIREDS_MAX = 153, 500


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", action="store_true", help="use the session bus")
    parser.add_argument("--unique-id", default="example-light-1")
    parser.add_argument("--label", default="Example light")
    args = parser.parse_args()

    app = Application("/org/matterd/example/light", context=True,
                      bus=Gio.BusType.SESSION if args.session else None)
    ep = app.add_endpoint(args.unique_id, [EXTENDED_COLOR_LIGHT], label=args.label,
                          vendor_name="matterd examples", product_name="Extended Color Light")

    def told(cluster, command, *fields):
        *values, context = fields
        who = context.get("SubjectNodeId")
        sender = f" from node {who:016X}" if who is not None else ""
        log(f"{cluster}.{command}{tuple(values)}{sender}")

    # Identify (0x0003): IdentifyTime counts down once a second.
    identify_timer = [0]

    def identify_tick():
        left = identify.get("IdentifyTime") - 1
        identify.set("IdentifyTime", max(left, 0))
        if left <= 0:
            identify_timer[0] = 0
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    def start_identify(seconds):
        identify.set("IdentifyTime", seconds)
        if seconds and not identify_timer[0]:
            identify_timer[0] = GLib.timeout_add_seconds(1, identify_tick)

    def on_identify(seconds, context):
        told("Identify", "Identify", seconds, context)
        start_identify(seconds)

    def on_trigger_effect(effect, variant, context):
        told("Identify", "TriggerEffect", effect, variant, context)

    identify = ep.add_cluster("Identify", {"IdentifyTime": 0, "IdentifyType": 1}, {
        "Identify": on_identify,
        "TriggerEffect": on_trigger_effect,
    }, on_write=lambda name, value: start_identify(value))

    # On/Off (0x0006) with the Lighting feature.
    def switch(command, value):
        def handler(*fields):
            told("OnOff", command, *fields)
            onoff.set("OnOff", value if value is not None else not onoff.get("OnOff"))
            if onoff.get("OnOff"):
                onoff.set("GlobalSceneControl", True)
        return handler

    def on_with_timed_off(control, on_time, off_wait, context):
        told("OnOff", "OnWithTimedOff", control, on_time, off_wait, context)
        onoff.set("OnOff", True)
        onoff.set("OnTime", on_time)
        onoff.set("OffWaitTime", off_wait)

    onoff = ep.add_cluster("OnOff", {
        "OnOff": False,
        "GlobalSceneControl": True,
        "OnTime": 0,
        "OffWaitTime": 0,
        "StartUpOnOff": 0xFF,  # null
    }, {
        "Off": switch("Off", False),
        "On": switch("On", True),
        "Toggle": switch("Toggle", None),
        "OffWithEffect": switch("OffWithEffect", False),
        "OnWithRecallGlobalScene": switch("OnWithRecallGlobalScene", True),
        "OnWithTimedOff": on_with_timed_off,
    }, feature_map=0x1)

    # Level Control (0x0008) with the OnOff and Lighting features.
    def set_level(level):
        if not 1 <= level <= 254:
            raise Status("ConstraintError", f"level {level} is outside 1..254")
        level_control.set("CurrentLevel", level)

    def level_command(command, with_onoff):
        def handler(*fields):
            told("LevelControl", command, *fields)
            if command.startswith("MoveToLevel"):
                set_level(fields[0])
            elif command.startswith("Step"):
                step = fields[1] if fields[0] == 0 else -fields[1]
                set_level(min(max(level_control.get("CurrentLevel") + step, 1), 254))
            elif command.startswith("Move"):
                set_level(254 if fields[0] == 0 else 1)
            if with_onoff:
                onoff.set("OnOff", level_control.get("CurrentLevel") > 1)
        return handler

    level_commands = {}
    for name in ("MoveToLevel", "Move", "Step", "Stop"):
        level_commands[name] = level_command(name, False)
        level_commands[name + "WithOnOff"] = level_command(name + "WithOnOff", True)
    level_control = ep.add_cluster("LevelControl", {
        "CurrentLevel": 254,
        "RemainingTime": 0,
        "MinLevel": 1,
        "MaxLevel": 254,
        "Options": 0,
        "OnLevel": 0xFF,  # null
        "StartUpCurrentLevel": 0xFF,
    }, level_commands, feature_map=0x3)

    # Color Control (0x0300): hue/saturation, XY and color temperature.
    def color_mode(mode):
        color.set("ColorMode", mode)
        color.set("EnhancedColorMode", mode)

    def to_hue(hue, direction, time, mask, override, context):
        told("ColorControl", "MoveToHue", hue, direction, time, mask, override, context)
        color.set("CurrentHue", hue)
        color_mode(HUE_SATURATION)

    def to_saturation(saturation, time, mask, override, context):
        told("ColorControl", "MoveToSaturation", saturation, time, mask, override, context)
        color.set("CurrentSaturation", saturation)
        color_mode(HUE_SATURATION)

    def to_hue_saturation(hue, saturation, time, mask, override, context):
        told("ColorControl", "MoveToHueAndSaturation", hue, saturation, time, mask, override,
             context)
        color.set("CurrentHue", hue)
        color.set("CurrentSaturation", saturation)
        color_mode(HUE_SATURATION)

    def to_color(x, y, time, mask, override, context):
        told("ColorControl", "MoveToColor", x, y, time, mask, override, context)
        color.set("CurrentX", x)
        color.set("CurrentY", y)
        color_mode(XY)

    def to_temperature(mireds, time, mask, override, context):
        told("ColorControl", "MoveToColorTemperature", mireds, time, mask, override, context)
        if not MIREDS_MIN <= mireds <= MIREDS_MAX:
            raise Status("ConstraintError", f"{mireds} mireds is outside "
                         f"{MIREDS_MIN}..{MIREDS_MAX}")
        color.set("ColorTemperatureMireds", mireds)
        color_mode(COLOR_TEMPERATURE)

    def printed(command):
        return lambda *fields: told("ColorControl", command, *fields)

    color_commands = {
        "MoveToHue": to_hue,
        "MoveToSaturation": to_saturation,
        "MoveToHueAndSaturation": to_hue_saturation,
        "MoveToColor": to_color,
        "MoveToColorTemperature": to_temperature,
    }
    for name in ("MoveHue", "StepHue", "MoveSaturation", "StepSaturation", "MoveColor",
                 "StepColor", "MoveColorTemperature", "StepColorTemperature", "StopMoveStep"):
        color_commands[name] = printed(name)
    color = ep.add_cluster("ColorControl", {
        "CurrentHue": 0,
        "CurrentSaturation": 0,
        "RemainingTime": 0,
        "CurrentX": 0x616B,
        "CurrentY": 0x607D,
        "ColorTemperatureMireds": 250,
        "ColorMode": COLOR_TEMPERATURE,
        "Options": 0,
        "NumberOfPrimaries": 0,
        "EnhancedColorMode": COLOR_TEMPERATURE,
        "ColorCapabilities": CAPABILITIES,
        "ColorTempPhysicalMinMireds": MIREDS_MIN,
        "ColorTempPhysicalMaxMireds": MIREDS_MAX,
        "CoupleColorTempToLevelMinMireds": MIREDS_MIN,
        "StartUpColorTemperatureMireds": 0xFFFF,  # null
    }, color_commands, feature_map=0x01 | 0x08 | 0x10)

    def local_toggle():
        onoff.set("OnOff", not onoff.get("OnOff"))
        log(f"Toggled locally: {'on' if onoff.get('OnOff') else 'off'}")
        return GLib.SOURCE_CONTINUE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, local_toggle)
    return app.run()


if __name__ == "__main__":
    sys.exit(main())
