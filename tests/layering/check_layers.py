#!/usr/bin/env python3
"""The layering guard: every `#include "..."` of the tree follows the layer order.

Usage: check_layers.py [SOURCE_ROOT]   (default: the repository this file is in)

Prints one line per violation (file:line: the include, then the rule it breaks) and exits 1
if there is any, 0 if the tree holds. Only quoted includes are read: the system's and the
libraries' headers come in with <...>.
"""

import re
import sys
from pathlib import Path

# ---- The rules: the only place to edit when the architecture changes. ---------------------

# server/ folders from the lowest layer to the highest. A file may include its own layer and
# those below it, never one above. The feature modules share one layer, FEATURES, between
# module/ and app/; they are listed in FEATURE_MODULES.
FEATURES = "<feature modules>"
SERVER_LAYERS = ["util", "metrics", "xml", "net", "store", "directory", "stream", "auth", "router",
                 "http", "module", "control", FEATURES, "app"]

# One module each; a module includes only the layers below it and, where a dependency is
# declared in MODULE_DEPENDENCIES, the headers of that other module.
FEATURE_MODULES = ["presence", "roster", "offline", "history", "vcard", "carbons", "ping",
                   "version", "disco", "session", "blocking", "csi", "time", "last", "private",
                   "caps", "pep", "sm", "bookmarks", "fast", "mam",
                   "muc", "group_rooms", "upload", "webclient", "s2s", "adhoc", "extdisco"]

# module -> the modules whose headers it may include (keep it acyclic and short).
MODULE_DEPENDENCIES = {
    "roster": {"presence"},
    "blocking": {"presence"},
    "last": {"presence", "roster"},  # the unavailable status; who may see an account's presence
    "pep": {"caps", "presence", "roster"},
    "bookmarks": {"pep", "private"},  # XEP-0411: converts between the two
    "mam": {"presence", "roster"},  # the 'roster' preference asks the roster's Contacts
    "muc": {"mam"},  # rooms keep their archives in the message archive (none with mam off)
    "group_rooms": {"muc", "pep", "bookmarks"},  # a room for every directory group; its members' bookmarks
    "adhoc": {"last"},  # XEP-0133's get-user-lastlogin reads the last login the module keeps
}

# Files directly in server/ (main.cpp) count as this layer.
SERVER_ROOT_LAYER = "app"

# The top-level areas and the areas each must never include: the library is below both the
# tools and the server, and neither of those two includes the other.
FORBIDDEN_AREAS = {
    "libjabberadmin": ["server", "tools"],
    "tools": ["server"],
    "server": ["tools"],
}

# Where a quoted include is looked up after the including file's own folder: every include
# root of the project, so an include that crosses areas is found and named.
INCLUDE_DIRS = ["libjabberadmin/include", "server", "tools"]

# ---- The check. ---------------------------------------------------------------------------

SOURCE_SUFFIXES = {".hpp", ".cpp", ".h", ".cc", ".ipp"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_rank(folder):
    """The rank of a server/ folder in the layer order, or None if the table does not know it."""
    if folder in FEATURE_MODULES:
        return SERVER_LAYERS.index(FEATURES)
    if folder in SERVER_LAYERS and folder != FEATURES:
        return SERVER_LAYERS.index(folder)
    return None


def source_files(root, area):
    base = root / area
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file())


def includes(path):
    """(line number, included name) of every quoted include of a file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            match = INCLUDE.match(line)
            if match:
                yield number, match.group(1)


def resolve(root, path, name):
    """The repository-relative file an include names (None if it is not in the tree)."""
    for folder in [path.parent] + [root / d for d in INCLUDE_DIRS]:
        candidate = (folder / name).resolve()
        if candidate.is_file():
            try:
                return candidate.relative_to(root.resolve())
            except ValueError:  # outside the repository
                return None
    return None


def area_of(relative):
    return relative.parts[0] if relative.parts else ""


def server_folder(relative):
    """The server/ folder (layer or feature module) a server file belongs to."""
    parts = relative.parts
    return SERVER_ROOT_LAYER if len(parts) == 2 else parts[1]


def describe(folder):
    if folder in FEATURE_MODULES:
        return f"feature module {folder}/"
    return f"layer {folder}/"


def unknown_folder(folder):
    return (f"server/{folder}/ is not in the layer table "
            f"(add it to SERVER_LAYERS or FEATURE_MODULES, or move the file)")


def check_server_include(source_folder, target_folder, target):
    """The rule an include from one server/ folder into another breaks, or None."""
    if source_folder == target_folder:
        return None
    source_rank, target_rank = layer_rank(source_folder), layer_rank(target_folder)
    if source_rank is None:
        return None  # reported once for the whole file, in check()
    if target_rank is None:
        return unknown_folder(target_folder)
    if target_rank > source_rank:
        return (f"includes up the layers: {describe(source_folder)} may not include "
                f"{describe(target_folder)} (order: {' < '.join(SERVER_LAYERS)})")
    if source_folder in FEATURE_MODULES and target_folder in FEATURE_MODULES:
        if target_folder not in MODULE_DEPENDENCIES.get(source_folder, set()):
            return (f"feature module {source_folder}/ reaches into feature module "
                    f"{target_folder}/ (no declared dependency {source_folder} -> "
                    f"{target_folder} in MODULE_DEPENDENCIES)")
        if target.suffix not in {".hpp", ".h"}:
            return (f"feature module {source_folder}/ may include only the headers of "
                    f"{target_folder}/ (declared dependency), not {target.name}")
    return None


def check(root):
    """Every violation of the tree under root, as 'file:line: include ...: rule' lines."""
    root = Path(root)
    violations = []
    for area in ["server", "tools", "libjabberadmin"]:
        for path in source_files(root, area):
            relative = path.relative_to(root)
            if area == "server" and layer_rank(server_folder(relative)) is None:
                violations.append(f"{relative}: {unknown_folder(server_folder(relative))}")
            for number, name in includes(path):
                target = resolve(root, path, name)
                where = f"{relative}:{number}: #include \"{name}\""
                if target is None:
                    # Not in the tree (a generated header): only its spelling can break a rule.
                    first = Path(name).parts[0]
                    if first in FORBIDDEN_AREAS.get(area, []):
                        violations.append(f"{where}: {area}/ must never include {first}/")
                    continue
                target_area = area_of(target)
                if target_area in FORBIDDEN_AREAS.get(area, []):
                    violations.append(f"{where}: {area}/ must never include {target_area}/ "
                                      f"(it names {target})")
                    continue
                if area == "server" and target_area == "server":
                    rule = check_server_include(server_folder(relative),
                                                server_folder(target), target)
                    if rule:
                        violations.append(f"{where}: {rule}")
    return violations


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    if not (root / "server").is_dir():
        print(f"check_layers: {root} has no server/ folder", file=sys.stderr)
        return 2
    violations = check(root)
    for line in violations:
        print(line)
    if violations:
        print(f"check_layers: {len(violations)} include(s) break the layer rules "
              f"(tests/layering/check_layers.py)", file=sys.stderr)
        return 1
    print("check_layers: every include follows the layer rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
