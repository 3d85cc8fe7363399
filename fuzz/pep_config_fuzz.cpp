// libFuzzer target for PEP's data forms (XEP-0060 pubsub#node_config and publish-options,
// pep::apply_form and pep::unmet_precondition), on every jabber:x:data <x/> the bytes hold
// (in a publish-options, a configure, or alone). Invariants:
//   - a form applied to a config either names the field it refused or gives a config the
//     server can describe: config_form() of it applies back to the same config, and that
//     config meets the form it is described by as a precondition;
//   - a form whose fields all apply leaves the config it gives meeting each of them when
//     every field is named once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "elements.hpp"
#include "pep/node_config.hpp"
#include "stream/namespaces.hpp"

using namespace jabberadmin;

namespace {
bool vars_unique(const xml::Element& form) {
  std::set<std::string> vars;
  for (const xml::Element& f : form.children())
    if (f.is("field", ns::kDataForms) && !vars.insert(f.attr_or("var")).second) return false;
  return true;
}

void check_describable(const pep::NodeConfig& config) {
  const xml::Element described = pep::config_form(config);
  const pep::FormResult again = pep::apply_form(described, pep::NodeConfig{});
  if (!again.error.empty() || again.config != config) std::abort();
  if (!pep::unmet_precondition(described, config).empty()) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const xml::Element& stanza : fuzz::elements_of(bytes)) {
    fuzz::each_element(stanza, [](const xml::Element& form) {
      if (!form.is("x", ns::kDataForms)) return;
      for (const pep::NodeConfig& start : {pep::NodeConfig{}, pep::NodeConfig{pep::AccessModel::Open, false, 7, false}}) {
        const pep::FormResult applied = pep::apply_form(form, start);
        const std::string unmet = pep::unmet_precondition(form, start);
        if (!applied.error.empty()) {
          if (unmet.empty()) std::abort();  // a field it cannot apply is no precondition met
          continue;
        }
        check_describable(applied.config);
        if (vars_unique(form) && !pep::unmet_precondition(form, applied.config).empty()) std::abort();
      }
    });
  }
  return 0;
}
