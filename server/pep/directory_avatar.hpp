// XEP-0084 avatars from the directory: each account's jpegPhoto is its urn:xmpp:avatar:data
// item and described by its urn:xmpp:avatar:metadata item, the item id being the SHA-1 (hex)
// of the JPEG bytes, the same hash as in presence (XEP-0153). Read-only: the administrator
// changes avatars with cl-usermod -i.
#pragma once

#include <optional>
#include <string_view>

#include "jabberadmin/account.hpp"
#include "pep/node_config.hpp"
#include "pep/pep_store.hpp"

namespace jabberadmin::pep {

inline constexpr std::string_view kAvatarReadOnly =
    "Avatars come from the directory; ask your administrator (cl-usermod -i)";

// Whether node is one of the two avatar nodes the directory fills.
bool is_avatar_node(std::string_view node);
// Their configuration: open to everyone, as the vCard photo is, one item.
NodeConfig avatar_config();
// The node's item of user, nothing without a photo (the nodes are empty then).
std::optional<Item> avatar_item(const User& user, std::string_view node);
// XEP-0084 §4.5: the metadata item that says the avatar is gone (an empty <metadata/>).
Item no_avatar();

}  // namespace jabberadmin::pep
