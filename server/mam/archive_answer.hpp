// The answer to a urn:xmpp:mam:2 <query/> IQ, for any archive: an account's (MessageArchive)
// and a room's (muc::Room). get: the form the query takes; set: the page as <result/>
// messages from the archive's owner to the asking resource, then the IQ result with <fin/>.
// Who may read the archive is the caller's to decide before calling.
#pragma once

#include <string>

#include "mam/archive_store.hpp"
#include "router/router.hpp"
#include "stream/stanza_view.hpp"

namespace jabberadmin::mam {

void answer_query(router::Router& router, ArchiveStore& store, const stream::Stanza& iq, const std::string& owner);

}  // namespace jabberadmin::mam
