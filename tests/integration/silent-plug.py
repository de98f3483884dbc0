#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An On/Off Plug-in Unit that never answers On: matterd must time the
invoke out itself (test-app-examples). Off is answered."""

import os
import sys

sys.path.insert(0, os.environ["MATTERD_EXAMPLES_DIR"])

from matterd_app import Application, Exported  # noqa: E402

unanswered = []  # invocations kept, so that they are never answered


class SilentOnOff(Exported):
    def _call(self, connection, sender, path, interface, method, params, invocation):
        if method == "On":
            print("On received, not answering", flush=True)
            unanswered.append(invocation)
            return
        super()._call(connection, sender, path, interface, method, params, invocation)


app = Application("/org/matterd/test/silent")
ep = app.add_endpoint("silent-plug-1", [(0x010A, 4)], label="Silent plug")
ep.add_cluster("Identify", {"IdentifyTime": 0, "IdentifyType": 0},
               {"Identify": lambda seconds: None, "TriggerEffect": lambda e, v: None})
onoff = ep.add_cluster("OnOff", {"OnOff": False, "GlobalSceneControl": True, "OnTime": 0,
                                 "OffWaitTime": 0, "StartUpOnOff": 0xFF},
                       {name: (lambda *args: onoff.set("OnOff", False)) for name in
                        ("On", "Off", "Toggle", "OffWithEffect", "OnWithRecallGlobalScene",
                         "OnWithTimedOff")}, feature_map=0x1)
onoff.__class__ = SilentOnOff
sys.exit(app.run())
