// cl-passwd: sets a new password for a Jabber account.
#include "cli.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-passwd", N_("Set the password of a Jabber account"));
  bool stdin_password = false;
  std::string user;
  tool.app.add_flag("-P,--password-stdin", stdin_password, _("Read the password from standard input"));
  tool.app.add_option("user", user, _("User name"))->required();
  tool.add_password_options();
  return tool.run(argc, argv, [&] {
    Directory directory = tool.directory();
    const User current = directory.user(user);
    directory.update_user(current.name, {.password = cli::read_new_password(stdin_password, tool.min_password_length())});
    cli::note_scram(directory);
    return 0;
  });
}
