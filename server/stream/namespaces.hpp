// Every XML namespace the server speaks, in one place: the XMPP core (RFC 6120), instant
// messaging (RFC 6121) and the extensions the modules implement.
#pragma once

#include <string_view>

namespace jabberadmin::ns {
// RFC 6120
inline constexpr std::string_view kClient = "jabber:client";
inline constexpr std::string_view kServer = "jabber:server";
inline constexpr std::string_view kDialback = "jabber:server:dialback";             // XEP-0220
inline constexpr std::string_view kDialbackFeature = "urn:xmpp:features:dialback";  // XEP-0220
inline constexpr std::string_view kBidi = "urn:xmpp:bidi";                           // XEP-0288
inline constexpr std::string_view kBidiFeature = "urn:xmpp:features:bidi";           // XEP-0288
inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view kSasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kSaslChannelBinding = "urn:xmpp:sasl-cb:0";  // XEP-0440
inline constexpr std::string_view kBind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view kSession = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr std::string_view kSasl2 = "urn:xmpp:sasl:2";  // XEP-0388
inline constexpr std::string_view kBind2 = "urn:xmpp:bind:0";  // XEP-0386
inline constexpr std::string_view kFast = "urn:xmpp:fast:0";   // XEP-0484
// RFC 6121 rosters, and their versioning stream feature (XEP-0237)
inline constexpr std::string_view kRoster = "jabber:iq:roster";
inline constexpr std::string_view kRosterVer = "urn:xmpp:features:rosterver";
// Extensions
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";    // XEP-0030
inline constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items";  // XEP-0030
inline constexpr std::string_view kVcard = "vcard-temp";                                   // XEP-0054
inline constexpr std::string_view kVersion = "jabber:iq:version";                          // XEP-0092
inline constexpr std::string_view kVcardUpdate = "vcard-temp:x:update";                    // XEP-0153
inline constexpr std::string_view kBlocking = "urn:xmpp:blocking";                         // XEP-0191
inline constexpr std::string_view kBlockingErrors = "urn:xmpp:blocking:errors";            // XEP-0191
inline constexpr std::string_view kSm = "urn:xmpp:sm:3";                               // XEP-0198
inline constexpr std::string_view kPing = "urn:xmpp:ping";                                 // XEP-0199
inline constexpr std::string_view kDelay = "urn:xmpp:delay";                               // XEP-0203
inline constexpr std::string_view kCarbons = "urn:xmpp:carbons:2";                         // XEP-0280
inline constexpr std::string_view kForward = "urn:xmpp:forward:0";                         // XEP-0297
inline constexpr std::string_view kHints = "urn:xmpp:hints";                               // XEP-0334
inline constexpr std::string_view kCsi = "urn:xmpp:csi:0";                                 // XEP-0352
inline constexpr std::string_view kChatStates = "http://jabber.org/protocol/chatstates";    // XEP-0085
inline constexpr std::string_view kLast = "jabber:iq:last";                                // XEP-0012
inline constexpr std::string_view kPrivate = "jabber:iq:private";                          // XEP-0049
inline constexpr std::string_view kMsgOffline = "msgoffline";                              // XEP-0160 (a disco feature)
inline constexpr std::string_view kTime = "urn:xmpp:time";                                 // XEP-0202
inline constexpr std::string_view kJingleMessage = "urn:xmpp:jingle-message:0";               // XEP-0353
inline constexpr std::string_view kExtdisco = "urn:xmpp:extdisco:2";                         // XEP-0215
inline constexpr std::string_view kDataForms = "jabber:x:data";                                    // XEP-0004
inline constexpr std::string_view kPubsub = "http://jabber.org/protocol/pubsub";                   // XEP-0060
inline constexpr std::string_view kPubsubOwner = "http://jabber.org/protocol/pubsub#owner";        // XEP-0060
inline constexpr std::string_view kPubsubEvent = "http://jabber.org/protocol/pubsub#event";        // XEP-0060
inline constexpr std::string_view kPubsubErrors = "http://jabber.org/protocol/pubsub#errors";      // XEP-0060
inline constexpr std::string_view kCaps = "http://jabber.org/protocol/caps";                       // XEP-0115
inline constexpr std::string_view kAvatarData = "urn:xmpp:avatar:data";                            // XEP-0084
inline constexpr std::string_view kAvatarMetadata = "urn:xmpp:avatar:metadata";                    // XEP-0084
inline constexpr std::string_view kBookmarksLegacy = "storage:bookmarks";                          // XEP-0048
inline constexpr std::string_view kBookmarks = "urn:xmpp:bookmarks:1";                             // XEP-0402
inline constexpr std::string_view kBookmarksCompat = "urn:xmpp:bookmarks:1#compat";                // XEP-0402 §7
inline constexpr std::string_view kBookmarksConversion = "urn:xmpp:bookmarks-conversion:0";        // XEP-0411
inline constexpr std::string_view kMam = "urn:xmpp:mam:2";                                    // XEP-0313
inline constexpr std::string_view kMamExtended = "urn:xmpp:mam:2#extended";                   // XEP-0313 §6.1
inline constexpr std::string_view kRsm = "http://jabber.org/protocol/rsm";                    // XEP-0059
inline constexpr std::string_view kStanzaId = "urn:xmpp:sid:0";                               // XEP-0359
inline constexpr std::string_view kMuc = "http://jabber.org/protocol/muc";                        // XEP-0045
inline constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";               // XEP-0045
inline constexpr std::string_view kMucAdmin = "http://jabber.org/protocol/muc#admin";             // XEP-0045
inline constexpr std::string_view kMucOwner = "http://jabber.org/protocol/muc#owner";             // XEP-0045
inline constexpr std::string_view kMucRoomConfig = "http://jabber.org/protocol/muc#roomconfig";   // XEP-0045
inline constexpr std::string_view kMucRoomInfo = "http://jabber.org/protocol/muc#roominfo";       // XEP-0045
inline constexpr std::string_view kMucUnique = "http://jabber.org/protocol/muc#unique";           // XEP-0307
inline constexpr std::string_view kOccupantId = "urn:xmpp:occupant-id:0";                         // XEP-0421
inline constexpr std::string_view kHttpUpload = "urn:xmpp:http:upload:0";                         // XEP-0363
}  // namespace jabberadmin::ns
