#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""scripts/gen-app-model.py refuses broken descriptions with a message that
names the file and line, and accepts the tree's own.

  test-gen-app-model.py GENERATOR CLUSTERS_DIR"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# (file, pattern, replacement, what the message must say)
MUTATIONS = [
    ("on-off.toml", r'^id = 0x4001$', "id = 0x3001", "ids ascend and are unique"),
    ("on-off.toml", r'^name = "OnTime"$', 'name = "OnOff"', "name OnOff twice"),
    ("identify.toml", r'type = "IdentifyTypeEnum"', 'type = "IdentifyTypEnum"',
     "unknown type 'IdentifyTypEnum'"),
    ("on-off.toml", r'conformance = "!OFFONLY"', 'conformance = "!OFFLY"',
     "names feature 'OFFLY'"),
    ("level-control.toml", r'access = "RW VM"', 'access = "RW V"',
     "needs a write privilege"),
    ("level-control.toml", r'access = "RW VO"', 'access = "RW VQ"', "unknown token"),
    ("switch.toml", r'priority = "info"', 'priority = "loud"', "priority is one of"),
    ("level-control.toml", r'\{ id = 1, name = "Rate"', '{ id = 5, name = "Rate"',
     "does not follow"),
    ("on-off.toml", r'Toggle = 2', 'Toggle = 256', "does not fit enum8"),
    ("device-types.toml", r'features = \["CT"\]', 'features = ["CX"]', "has no feature 'CX'"),
    ("device-types.toml", r'attributes = \["RemainingTime"\]', 'attributes = ["Remaining"]',
     "has no attribute 'Remaining'"),
    ("device-types.toml", r'^id = 0x0101$', "id = 0x0099", "ids ascend and are unique"),
    ("color-control.toml", r'^name = "ColorControl"$', 'name = "Identify"',
     "also described"),
]


def run(generator, directory):
    return subprocess.run([sys.executable, generator, "list", directory],
                          capture_output=True, text=True)


def main():
    generator, clusters = sys.argv[1], sys.argv[2]
    failures = 0
    good = run(generator, clusters)
    if good.returncode != 0:
        print(f"FAIL: the tree's descriptions are refused: {good.stderr}")
        return 1
    for number, (name, pattern, replacement, expect) in enumerate(MUTATIONS, 1):
        with tempfile.TemporaryDirectory() as tmp:
            work = os.path.join(tmp, "clusters")
            shutil.copytree(clusters, work)
            path = os.path.join(work, name)
            with open(path) as f:
                text = f.read()
            changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
            if count != 1:
                print(f"not ok {number} {name}: pattern {pattern!r} not found")
                failures += 1
                continue
            with open(path, "w") as f:
                f.write(changed)
            result = run(generator, work)
            message = result.stderr.strip()
            located = re.match(r"error: .*\.toml:\d+: ", message)
            if result.returncode == 1 and located and expect in message:
                print(f"ok {number} {name}: {message.split(': ', 2)[-1]}")
            else:
                print(f"not ok {number} {name}: exit {result.returncode}, {message!r}")
                failures += 1
    print(f"{len(MUTATIONS) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
