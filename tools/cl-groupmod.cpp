// cl-groupmod: renames a Jabber group, adds users to it, removes users from it.
#include <iostream>

#include "cli.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-groupmod", N_("Rename a Jabber group or change its members"));
  std::optional<std::string> new_name, add, remove;
  std::string group;
  tool.app.add_option("-n,--new-name", new_name, _("Rename the group (members follow)"));
  tool.app.add_option("-a,--add", add, _("Add users (comma-separated); one in another group moves"));
  tool.app.add_option("-d,--delete", remove, _("Remove users (comma-separated) from the group"));
  tool.app.add_option("group", group, _("Group name"))->required();
  return tool.run(argc, argv, [&] {
    Directory directory = tool.directory();
    const std::string name = directory.group_name(group);  // its spelling: one read, no member's
    if (remove) directory.remove_members(name, cli::split_list(*remove));
    if (add)
      for (const auto& change : directory.add_members(name, cli::split_list(*add)))
        if (change.previous_group)
          std::cout << cli::format(_("%s moved from group '%s'"), change.user, *change.previous_group) << '\n';
    if (new_name) directory.rename_group(name, *new_name);
    return 0;
  });
}
