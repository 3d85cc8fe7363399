// cl-userdel: deletes a Jabber account.
#include "cli.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-userdel", N_("Delete a Jabber account"));
  std::string user;
  tool.app.add_option("user", user, _("User name"))->required();
  return tool.run(argc, argv, [&] {
    tool.directory().remove_user(user);
    return 0;
  });
}
