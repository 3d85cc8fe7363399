#!/usr/bin/env python3
"""Self-test of the layering guard: throwaway trees that break each rule, and one that holds."""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check_layers  # noqa: E402

# A tree shaped like the target architecture in which every include is allowed.
CLEAN_TREE = {
    "server/util/log.hpp": "#pragma once\n#include <string>\n",
    "server/xml/element.hpp": '#include "util/log.hpp"\n',
    "server/net/connection.hpp": '#include "xml/element.hpp"\n#include "jabberadmin/jid.hpp"\n',
    "server/store/database.hpp": '#include "util/log.hpp"\n',
    "server/directory/directory_cache.hpp": '#include "store/database.hpp"\n',
    "server/stream/c2s.hpp": '#include "net/connection.hpp"\n#include "directory/directory_cache.hpp"\n',
    "server/stream/c2s.cpp": '#include "c2s.hpp"\n#include "stream/c2s.hpp"\n',
    "server/auth/ldap_authenticator.hpp": '#include "stream/c2s.hpp"\n',
    "server/router/router.hpp": '#include "stream/c2s.hpp"\n',
    "server/module/module.hpp": '#include "router/router.hpp"\n',
    "server/presence/presence.hpp": '#include "module/module.hpp"\n',
    "server/presence/presence.cpp": '#include "presence/presence.hpp"\n',
    # The one declared dependency: roster -> presence, through a header.
    "server/roster/roster.cpp": '#include "module/module.hpp"\n#include "presence/presence.hpp"\n',
    "server/app/modules.cpp": ('#include "presence/presence.hpp"\n#include "roster/roster.cpp"\n'
                               '#include "auth/ldap_authenticator.hpp"\n'),
    "server/main.cpp": '#include "app/modules.cpp"\n#include "config.h"\n',
    "libjabberadmin/include/jabberadmin/jid.hpp": "#pragma once\n",
    "libjabberadmin/src/jid.cpp": '#include "jabberadmin/jid.hpp"\n#include "utf8.hpp"\n',
    "libjabberadmin/src/utf8.hpp": "#pragma once\n",
    "tools/cli.hpp": '#include "jabberadmin/jid.hpp"\n',
    "tools/cl-useradd.cpp": '#include "cli.hpp"\n#include <CLI/CLI.hpp>\n',
}


class LayeringCheck(unittest.TestCase):
    def tree(self, changes):
        """A throwaway copy of the clean tree with some files added or replaced."""
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        root = Path(directory.name)
        for name, text in {**CLEAN_TREE, **changes}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        return root

    def assert_one_violation(self, changes, where, rule):
        violations = check_layers.check(self.tree(changes))
        self.assertEqual(len(violations), 1, violations)
        self.assertTrue(violations[0].startswith(where), violations[0])
        self.assertIn(rule, violations[0])

    def test_the_clean_tree_holds(self):
        self.assertEqual(check_layers.check(self.tree({})), [])

    def test_an_include_up_the_layers_is_named_with_file_and_line(self):
        self.assert_one_violation(
            {"server/stream/c2s.hpp": '#include "net/connection.hpp"\n\n#include "router/router.hpp"\n'},
            'server/stream/c2s.hpp:3: #include "router/router.hpp"',
            "includes up the layers: layer stream/ may not include layer router/")

    def test_a_lower_layer_may_not_include_the_module_contract(self):
        self.assert_one_violation(
            {"server/router/router.cpp": '#include "module/module.hpp"\n'},
            'server/router/router.cpp:1:',
            "layer router/ may not include layer module/")

    def test_a_layer_may_not_include_a_feature_module(self):
        self.assert_one_violation(
            {"server/router/router.cpp": '#include "presence/presence.hpp"\n'},
            'server/router/router.cpp:1: #include "presence/presence.hpp"',
            "layer router/ may not include feature module presence/")

    def test_a_feature_module_may_not_include_app(self):
        self.assert_one_violation(
            {"server/presence/presence.cpp": '#include "app/modules.cpp"\n'},
            'server/presence/presence.cpp:1:',
            "feature module presence/ may not include layer app/")

    def test_a_module_may_not_reach_into_another_without_a_declared_dependency(self):
        self.assert_one_violation(
            {"server/presence/presence.cpp": '#include "presence/presence.hpp"\n#include "roster/roster.hpp"\n',
             "server/roster/roster.hpp": '#include "module/module.hpp"\n'},
            'server/presence/presence.cpp:2: #include "roster/roster.hpp"',
            "feature module presence/ reaches into feature module roster/ "
            "(no declared dependency presence -> roster")

    def test_a_declared_dependency_gives_headers_only(self):
        self.assert_one_violation(
            {"server/roster/roster.cpp": '#include "presence/presence.cpp"\n'},
            'server/roster/roster.cpp:1:',
            "may include only the headers of presence/")

    def test_a_folder_missing_from_the_table_is_named(self):
        violations = check_layers.check(self.tree(
            {"server/im/carbons.cpp": '#include "router/router.hpp"\n',
             "server/app/server.cpp": '#include "im/carbons.cpp"\n'}))
        self.assertEqual(sorted(violations), [
            'server/app/server.cpp:1: #include "im/carbons.cpp": server/im/ is not in the layer table '
            "(add it to SERVER_LAYERS or FEATURE_MODULES, or move the file)",
            "server/im/carbons.cpp: server/im/ is not in the layer table "
            "(add it to SERVER_LAYERS or FEATURE_MODULES, or move the file)"])

    def test_the_library_never_includes_the_server(self):
        self.assert_one_violation(
            {"libjabberadmin/src/jid.cpp": '#include "stream/c2s.hpp"\n'},
            'libjabberadmin/src/jid.cpp:1: #include "stream/c2s.hpp"',
            "libjabberadmin/ must never include server/ (it names server/stream/c2s.hpp)")

    def test_the_library_never_includes_the_tools(self):
        self.assert_one_violation(
            {"libjabberadmin/src/jid.cpp": '#include "cli.hpp"\n'},
            'libjabberadmin/src/jid.cpp:1:',
            "libjabberadmin/ must never include tools/")

    def test_the_tools_never_include_the_server(self):
        self.assert_one_violation(
            {"tools/cl-useradd.cpp": '#include "cli.hpp"\n#include "router/router.hpp"\n'},
            'tools/cl-useradd.cpp:2:',
            "tools/ must never include server/")

    def test_an_include_spelled_into_a_forbidden_area_is_caught_even_if_missing(self):
        self.assert_one_violation(
            {"tools/cl-useradd.cpp": '#include "server/generated.hpp"\n'},
            'tools/cl-useradd.cpp:1:',
            "tools/ must never include server/")

    def test_the_command_exits_1_on_a_violation_and_0_on_a_clean_tree(self):
        script = str(HERE / "check_layers.py")
        clean = subprocess.run([sys.executable, script, str(self.tree({}))],
                               capture_output=True, text=True)
        self.assertEqual(clean.returncode, 0, clean.stdout + clean.stderr)
        broken = subprocess.run(
            [sys.executable, script,
             str(self.tree({"server/util/log.hpp": '#include "xml/element.hpp"\n'}))],
            capture_output=True, text=True)
        self.assertEqual(broken.returncode, 1)
        self.assertIn('server/util/log.hpp:1: #include "xml/element.hpp": includes up the layers',
                      broken.stdout)


if __name__ == "__main__":
    unittest.main()
