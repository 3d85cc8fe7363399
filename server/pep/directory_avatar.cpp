#include "pep/directory_avatar.hpp"

#include "jabberadmin/encoding.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::pep {

bool is_avatar_node(std::string_view node) { return node == ns::kAvatarMetadata || node == ns::kAvatarData; }

NodeConfig avatar_config() { return NodeConfig{.access = AccessModel::Open, .persist_items = true, .max_items = 1}; }

std::optional<Item> avatar_item(const User& user, std::string_view node) {
  if (user.photo.empty()) return std::nullopt;
  // The same hash as the vCard photo's in presence (XEP-0153).
  const std::string id = encoding::hex(encoding::sha1(user.photo));
  if (node == ns::kAvatarData) {
    xml::Element data("data", std::string(ns::kAvatarData));
    data.add_text(encoding::base64_encode(user.photo));
    return Item{id, std::move(data)};
  }
  if (node != ns::kAvatarMetadata) return std::nullopt;
  xml::Element metadata("metadata", std::string(ns::kAvatarMetadata));
  metadata.add(xml::Element("info", std::string(ns::kAvatarMetadata)))
      .set_attr("bytes", std::to_string(user.photo.size()))
      .set_attr("id", id)
      .set_attr("type", "image/jpeg");
  return Item{id, std::move(metadata)};
}

Item no_avatar() { return Item{"current", xml::Element("metadata", std::string(ns::kAvatarMetadata))}; }

}  // namespace jabberadmin::pep
