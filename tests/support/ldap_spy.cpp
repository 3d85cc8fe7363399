// A counting wrapper around the real libldap for tests of the real tools: preloaded
// (LD_PRELOAD) into a tool, it appends one line per search and per modify to the file
// JABBERADMIN_LDAP_SPY names, "SEARCH <base> <attributes...>" or "MODIFY <dn>
// <attributes...>", then calls libldap's own function. The tool talks to the real slapd as
// ever; the test reads what it asked for.
#include <dlfcn.h>
#include <ldap.h>

#include <cstdio>
#include <cstdlib>

namespace {

void note(const char* op, const char* dn, char** attrs, LDAPMod** mods) {
  const char* path = std::getenv("JABBERADMIN_LDAP_SPY");
  if (path == nullptr) return;
  FILE* f = std::fopen(path, "a");
  if (f == nullptr) return;
  std::fprintf(f, "%s %s", op, dn ? dn : "");
  if (attrs == nullptr && mods == nullptr) std::fprintf(f, " *");  // no list: every attribute
  for (char** a = attrs; a && *a; ++a) std::fprintf(f, " %s", *a);
  for (LDAPMod** m = mods; m && *m; ++m) std::fprintf(f, " %s", (*m)->mod_type);
  std::fputc('\n', f);
  std::fclose(f);
}

template <typename F>
F real(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int ldap_search_ext_s(LDAP* ld, const char* base, int scope, const char* filter, char** attrs, int attrsonly,
                      LDAPControl** server, LDAPControl** client, struct timeval* timeout, int sizelimit,
                      LDAPMessage** res) {
  note("SEARCH", base, attrs, nullptr);
  using Fn = int (*)(LDAP*, const char*, int, const char*, char**, int, LDAPControl**, LDAPControl**, struct timeval*,
                     int, LDAPMessage**);
  return real<Fn>("ldap_search_ext_s")(ld, base, scope, filter, attrs, attrsonly, server, client, timeout, sizelimit,
                                       res);
}

int ldap_modify_ext_s(LDAP* ld, const char* dn, LDAPMod** mods, LDAPControl** server, LDAPControl** client) {
  note("MODIFY", dn, nullptr, mods);
  using Fn = int (*)(LDAP*, const char*, LDAPMod**, LDAPControl**, LDAPControl**);
  return real<Fn>("ldap_modify_ext_s")(ld, dn, mods, server, client);
}

}  // extern "C"
