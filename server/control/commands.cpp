#include "control/commands.hpp"

namespace jabberadmin::control {
namespace {
std::string refusal(const std::string& message, const std::string& code) {
  return nlohmann::json{{"ok", false}, {"error", message}, {"code", code}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

std::string Commands::answer(std::string_view request) const {
  const nlohmann::json parsed = nlohmann::json::parse(request, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("command") || !parsed["command"].is_string())
    return refusal("a request is one JSON object with a \"command\"", "usage");
  const std::string& name = parsed["command"].get_ref<const std::string&>();
  const auto found = commands_.find(name);
  if (found == commands_.end()) return refusal("unknown command " + name, "usage");
  try {
    nlohmann::json out = found->second(parsed);
    if (!out.is_object()) out = nlohmann::json{{"result", std::move(out)}};
    out["ok"] = true;
    // Names from the directory or a client may hold bytes that are not UTF-8: replaced,
    // never a failed answer.
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const Refused& e) {
    return refusal(e.what(), e.code());
  } catch (const std::exception& e) {
    return refusal(e.what(), "failed");
  }
}

std::string text_argument(const nlohmann::json& request, const char* name) {
  const auto found = request.find(name);
  if (found == request.end() || found->is_null()) return {};
  if (!found->is_string()) throw Refused(std::string(name) + ": not a string", "invalid");
  return found->get<std::string>();
}

}  // namespace jabberadmin::control
