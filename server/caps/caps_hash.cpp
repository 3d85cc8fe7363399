#include "caps/caps_hash.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "jabberadmin/encoding.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::caps {
namespace {
using ns::kDataForms;

struct Identity {
  std::string category, type, lang, name;
  auto key() const { return std::tie(category, type, lang, name); }
  bool operator<(const Identity& o) const { return key() < o.key(); }
};

struct Field {
  std::string var;
  std::vector<std::string> values;
};

// One form's part of the string (§5.1 step 7).
struct FormPart {
  enum { Part, Ignored, IllFormed } kind = Ignored;
  std::string form_type, text;
};

FormPart form_part(const xml::Element& form) {
  std::optional<std::string> form_type;
  bool hidden = false;
  std::vector<Field> fields;
  for (const xml::Element& f : form.children()) {
    if (!f.is("field", kDataForms)) continue;
    Field field{f.attr_or("var"), {}};
    for (const xml::Element& v : f.children())
      if (v.is("value", kDataForms)) field.values.push_back(v.text());
    if (field.var == "FORM_TYPE") {
      // §5.4 3.5: more than one different value makes the whole answer ill-formed.
      for (const std::string& v : field.values)
        if (v != field.values.front()) return {FormPart::IllFormed, {}, {}};
      if (form_type || field.values.empty()) return {FormPart::IllFormed, {}, {}};
      form_type = field.values.front();
      hidden = f.attr_or("type") == "hidden";
      continue;
    }
    fields.push_back(std::move(field));
  }
  // §5.4 3.6: without a hidden FORM_TYPE the form is left out, the rest still counts.
  if (!form_type || !hidden) return {};
  std::sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) { return a.var < b.var; });
  // XEP-0004 §3.2: a var names one field of a form. Two would sort in no defined order, so
  // one answer could hash two ways: ill-formed, like a FORM_TYPE twice.
  for (std::size_t i = 1; i < fields.size(); ++i)
    if (fields[i].var == fields[i - 1].var) return {FormPart::IllFormed, {}, {}};
  std::string s = *form_type + "<";
  for (Field& field : fields) {
    s += field.var + "<";
    std::sort(field.values.begin(), field.values.end());
    for (const std::string& v : field.values) s += v + "<";
  }
  return {FormPart::Part, *form_type, std::move(s)};
}
}  // namespace

std::optional<std::string> verification_string(const xml::Element& query) {
  std::set<Identity> identities;
  std::set<std::string> features;
  std::vector<std::pair<std::string, std::string>> forms;  // FORM_TYPE -> its part
  for (const xml::Element& c : query.children()) {
    if (c.is("identity", ns::kDiscoInfo)) {
      Identity id{c.attr_or("category"), c.attr_or("type"), c.attr_or("xml:lang"), c.attr_or("name")};
      if (!identities.insert(std::move(id)).second) return std::nullopt;
    } else if (c.is("feature", ns::kDiscoInfo)) {
      if (!features.insert(c.attr_or("var")).second) return std::nullopt;
    } else if (c.is("x", kDataForms)) {
      FormPart part = form_part(c);
      if (part.kind == FormPart::IllFormed) return std::nullopt;
      if (part.kind == FormPart::Part) forms.emplace_back(std::move(part.form_type), std::move(part.text));
    }
  }
  std::sort(forms.begin(), forms.end());
  for (std::size_t i = 1; i < forms.size(); ++i)
    if (forms[i].first == forms[i - 1].first) return std::nullopt;
  // std::set orders by bytes, which is the "i;octet" collation §5.1 asks for.
  std::string s;
  for (const Identity& id : identities) s += id.category + "/" + id.type + "/" + id.lang + "/" + id.name + "<";
  for (const std::string& f : features) s += f + "<";
  for (const auto& form : forms) s += form.second;
  return s;
}

std::optional<std::string> ver(const xml::Element& query, std::string_view hash) {
  const auto s = verification_string(query);
  if (!s) return std::nullopt;
  if (hash == "sha-1") return encoding::base64_encode(encoding::sha1(*s));
  if (hash == "sha-256") return encoding::base64_encode(encoding::sha256(*s));
  return std::nullopt;
}

}  // namespace jabberadmin::caps
