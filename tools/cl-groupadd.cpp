// cl-groupadd: creates a Jabber group (shown as a roster group to its members).
#include "cli.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-groupadd", N_("Create a Jabber group"));
  std::string group;
  tool.app.add_option("group", group, _("Group name (free UTF-8 text)"))->required();
  return tool.run(argc, argv, [&] {
    tool.directory().add_group(group);
    return 0;
  });
}
