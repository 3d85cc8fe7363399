// The tools speak Russian from the build tree's catalogue (po/ru.po) when the user's locale
// asks for it, and English otherwise: their own messages, their --help, and the library's
// messages translated at the edge by pattern.
//
// ru_RU.UTF-8 is often not generated on a build machine (Debian's `locales` ships the
// source; /etc/locale.gen decides what is compiled). Then setlocale() fails and gettext
// stays in English, as it would for a user. So the ru_RU.UTF-8 test compiles the locale
// into the test's own directory with localedef and points LOCPATH there (no root, nothing
// changed system-wide); it skips, saying why, only when even that is impossible.
// LANGUAGE=ru with LANG=C.UTF-8 also works: glibc 2.36 ignores LANGUAGE only under "C"/"POSIX",
// and C.UTF-8 is neither.
#include <gtest/gtest.h>

#include <clocale>
#include <fstream>
#include <locale.h>
#include <map>
#include <optional>
#include <string>

#include "slapd_fixture.hpp"

namespace jabberadmin::test {
namespace {

namespace fs = std::filesystem;

class I18nTest : public SlapdTest {
 protected:
  // A tool run with exactly these locale variables (anything inherited is overridden).
  Result tool_in(const std::map<std::string, std::string>& locale, const std::string& name,
                 const std::vector<std::string>& args, const std::string& input = {}) {
    std::map<std::string, std::string> env{{"JABBERADMIN_CONFIG", slapd().config().string()},
                                           {"JABBERADMIN_LOCALEDIR", locale_dir().string()},
                                           {"LANG", ""},
                                           {"LANGUAGE", ""},
                                           {"LC_ALL", ""},
                                           {"LC_MESSAGES", ""}};
    for (const auto& [k, v] : locale) env[k] = v;
    return run(tool(name), args, input, env);
  }
  static fs::path locale_dir() { return fs::path(JABBERADMIN_BIN_DIR).parent_path() / "locale"; }

  // LOCPATH for ru_RU.UTF-8: "" when the system has it, a private compiled copy otherwise,
  // nullopt when neither is possible.
  std::optional<std::string> russian_locpath(std::string& why_not) {
    if (locale_t l = newlocale(LC_ALL_MASK, "ru_RU.UTF-8", nullptr)) {
      freelocale(l);
      return std::string{};
    }
    const fs::path localedef = "/usr/bin/localedef";
    if (!fs::exists(localedef) || !fs::exists("/usr/share/i18n/locales/ru_RU")) {
      why_not = "ru_RU.UTF-8 is not generated and cannot be compiled (install Debian's `locales`)";
      return std::nullopt;
    }
    const fs::path dir = slapd().dir() / "locales";
    fs::create_directories(dir);
    const Result r = run(localedef, {"-i", "ru_RU", "-f", "UTF-8", (dir / "ru_RU.UTF-8").string()});
    if (!fs::exists(dir / "ru_RU.UTF-8" / "LC_CTYPE")) {
      why_not = "localedef could not compile ru_RU.UTF-8: " + r.err;
      return std::nullopt;
    }
    return dir.string();
  }
};

TEST(I18n, CatalogueIsBuiltIntoTheBuildTree) {
  const fs::path dir = fs::path(JABBERADMIN_BIN_DIR).parent_path() / "locale";
  EXPECT_TRUE(fs::exists(dir / "ru" / "LC_MESSAGES" / "jabberadmin.mo")) << "po/ builds it into " << dir;
}

TEST_F(I18nTest, EnglishUnderCUtf8) {
  Result r = tool_in({{"LANG", "C.UTF-8"}}, "cl-userdel", {"nobody", "jabber"});
  EXPECT_EQ(r.status, 6);
  EXPECT_EQ(r.err, "cl-userdel: no such user 'nobody'\n");

  r = tool_in({{"LANG", "C.UTF-8"}}, "cl-useradd", {"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Create a Jabber account"), std::string::npos) << r.out;
}

TEST_F(I18nTest, RussianUnderRuRuUtf8) {
  std::string why_not;
  const auto locpath = russian_locpath(why_not);
  if (!locpath) GTEST_SKIP() << why_not;
  std::map<std::string, std::string> ru{{"LANG", "ru_RU.UTF-8"}};
  if (!locpath->empty()) ru["LOCPATH"] = *locpath;

  // A library message, matched by pattern and translated with its value kept.
  Result r = tool_in(ru, "cl-userdel", {"nobody", "jabber"});
  EXPECT_EQ(r.status, 6);
  EXPECT_EQ(r.err, "cl-userdel: нет пользователя «nobody»\n");

  // The tools' own strings, and the group name from the seed kept as given.
  r = tool_in(ru, "cl-groupadd", {"Тестовая группа", "jabber"});
  EXPECT_EQ(r.status, 0) << r.err;
  r = tool_in(ru, "cl-groupadd", {"Тестовая группа", "jabber"});
  EXPECT_EQ(r.status, 9);
  EXPECT_EQ(r.err, "cl-groupadd: группа «Тестовая группа» уже существует\n");
  r = tool_in(ru, "cl-useradd", {"-P", "guest", "jabber"}, "");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "cl-useradd: пароль не передан на стандартный ввод\n");

  r = tool_in(ru, "cl-useradd", {"--help"});
  EXPECT_NE(r.out.find("Создать учётную запись Jabber"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Использование: cl-useradd"), std::string::npos) << r.out;
}

TEST_F(I18nTest, RussianThroughLanguageUnderCUtf8) {
  const std::map<std::string, std::string> ru{{"LANG", "C.UTF-8"}, {"LANGUAGE", "ru"}};
  Result r = tool_in(ru, "cl-groupadd", {" Гости", "jabber"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "cl-groupadd: имя группы « Гости» начинается или заканчивается пробелом\n");

  // --from: per-line failures are translated, the FILE:LINE prefix stays.
  const fs::path csv = slapd().dir() / "users.csv";
  std::ofstream(csv) << "login,nickname,group,password\nalice,Алиса,,alice-pass\nbob,Боб\n";
  fs::permissions(csv, fs::perms::owner_read | fs::perms::owner_write);  // passwords: no warning
  r = tool_in(ru, "cl-useradd", {"--from", csv.string(), "jabber"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, csv.string() + ":3: ожидалось 4 поля (login,nickname,group,password), найдено: 2\n");
  EXPECT_EQ(r.out, "создано учётных записей: 1, строк с ошибками: 1\n");
}

}  // namespace
}  // namespace jabberadmin::test
