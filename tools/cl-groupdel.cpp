// cl-groupdel: deletes a Jabber group; its members stay, without a group.
#include "cli.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-groupdel", N_("Delete a Jabber group (members stay, without a group)"));
  std::string group;
  tool.app.add_option("group", group, _("Group name"))->required();
  return tool.run(argc, argv, [&] {
    tool.directory().remove_group(group);
    return 0;
  });
}
