// XEP-0421 occupant ids: what tells an occupant apart across nicknames, resources and
// visits without naming its JID. base64(HMAC-SHA-256(the service's secret, room NUL user)):
// stable for one user in one room, unrelated between rooms, and not reversible without the
// secret, which never leaves the server's database.
#pragma once

#include <string>
#include <string_view>

namespace jabberadmin::muc {

// 32 fresh random bytes (OpenSSL's RAND_bytes), for a service's secret.
std::string new_occupant_id_secret();
// room_bare and real_bare: normalised bare JIDs.
std::string occupant_id(std::string_view secret, std::string_view room_bare, std::string_view real_bare);

}  // namespace jabberadmin::muc
