// cl-usermod: changes a Jabber account: nickname, avatar, group, lock, password.
#include <iostream>

#include "cli.hpp"
#include "jabberadmin/avatar.hpp"
#include "jabberadmin/error.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-usermod", N_("Change a Jabber account"));
  bool lock = false, unlock = false, no_avatar = false, ask_password = false, stdin_password = false;
  std::optional<std::string> nickname, group, image_path, expire_date;
  std::string user;
  auto& app = tool.app;
  app.add_option("-c,--comment", nickname, _("New nickname (UTF-8)"));
  auto* image = app.add_option("-i,--image", image_path, _("New avatar image"));
  app.add_flag("--no-avatar", no_avatar, _("Remove the avatar"))->excludes(image);
  app.add_option("-g,--group", group, _("Put the user into this group (moving it out of its current one)"));
  auto* l = app.add_flag("-L,--lock", lock, _("Lock the account"));
  app.add_flag("-U,--unlock", unlock, _("Unlock the account (an expiry date stays)"))->excludes(l);
  app.add_option("-e,--expiredate", expire_date, _("Expiry date YYYY-MM-DD, from which the account may not log in; empty: none"))
      ->excludes(l);
  auto* p = app.add_flag("-p,--password", ask_password, _("Set a new password (prompted, or one line from stdin)"));
  app.add_flag("-P,--password-stdin", stdin_password, _("Read the new password from standard input"))->excludes(p);
  app.add_option("user", user, _("User name"))->required();
  tool.add_password_options();

  return tool.run(argc, argv, [&] {
    Directory directory = tool.directory();
    const User current = directory.user(user);  // NotFound before anything is asked
    // Read everything that can fail first, then change the directory in one modify.
    UserUpdate update{.nickname = nickname, .group = group};
    if (image_path) update.photo = avatar::from_file(*image_path);
    if (no_avatar) update.photo = "";
    if (expire_date) {
      std::optional<std::int64_t> day;
      if (!expire_date->empty() && !(day = parse_date(*expire_date)))
        throw Error(ErrorKind::InvalidArgument, cli::format(_("not a date (YYYY-MM-DD): '%s'"), *expire_date));
      update.expires = day;
    }
    if (lock) update.lock = UserUpdate::Lock::Lock;
    if (unlock) update.lock = UserUpdate::Lock::Unlock;
    if (ask_password || stdin_password) update.password = cli::read_new_password(stdin_password, tool.min_password_length());

    const User now = directory.update_user(current.name, update);
    if (update.password) cli::note_scram(directory);
    if (current.group && now.group != current.group)
      std::cout << cli::format(_("%s moved from group '%s'"), current.name, *current.group) << '\n';
    // shadowExpire holds one value: the lock's takes the place of the date.
    if (lock && current.expires)
      std::cerr << cli::format(_("the expiry date %s is replaced by the lock; after -U, set it again with -e"),
                               format_date(*current.expires)) << '\n';
    if (unlock && now.expired)
      std::cerr << cli::format(_("%s is still expired since %s: extend it with -e"), current.name,
                               format_date(*now.expires)) << '\n';
    return 0;
  });
}
