// XEP-0363 HTTP file upload: the names, types and tokens a client's request becomes
// (file_names), the quota arithmetic and the slots (slots), and the module on a bare router
// with its HTTP route called directly: disco, slot requests and their refusals, PUT checked
// from the header and stored whole, GET/HEAD headers, one PUT per slot, the sweep and a
// removed account's files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "disco/disco.hpp"
#include "fakes.hpp"
#include "http/routes.hpp"
#include "module/module.hpp"
#include "presence/presence.hpp"
#include "router_sessions.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "upload/file_names.hpp"
#include "upload/http_files.hpp"
#include "upload/slots.hpp"
#include "upload/upload.hpp"

namespace jabberadmin::upload {
namespace {
namespace bhttp = boost::beast::http;
using test::FakeSession;

// --- file_names ---

TEST(UploadNames, TokensAre256RandomBitsInHex) {
  const std::string a = new_token(), b = new_token();
  EXPECT_TRUE(is_token(a));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_FALSE(is_token(a.substr(1)));
  EXPECT_FALSE(is_token(std::string(63, 'a') + "G"));
  EXPECT_FALSE(is_token(std::string(62, 'a') + "/."));
}

TEST(UploadNames, HostileNamesBecomeOneHarmlessSegment) {
  EXPECT_EQ(sanitize_file_name("photo.jpg"), "photo.jpg");
  EXPECT_EQ(sanitize_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitize_file_name("..\\..\\boot.ini"), "boot.ini");
  EXPECT_EQ(sanitize_file_name(".."), "file");
  EXPECT_EQ(sanitize_file_name("dir/"), "file");
  EXPECT_EQ(sanitize_file_name(""), "file");
  EXPECT_EQ(sanitize_file_name(".bashrc"), "bashrc");
  EXPECT_EQ(sanitize_file_name("a.txt. . "), "a.txt");
  EXPECT_EQ(sanitize_file_name(std::string("a\0b.txt", 7)), "a_b.txt");
  EXPECT_EQ(sanitize_file_name("a\r\nb\x7f<>:\"|?*.txt"), "a__b________.txt");
  EXPECT_EQ(sanitize_file_name("\xff\xfe" "a\xc0\xaf.txt"), "__a__.txt");  // malformed and overlong UTF-8
  EXPECT_EQ(sanitize_file_name("x\xc2\x85y"), "x_y");                     // a C1 control
  EXPECT_EQ(sanitize_file_name("Фото отпуска.jpg"), "Фото отпуска.jpg");
  // Cut at the limit on a character boundary: 100 Cyrillic letters are 200 bytes.
  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "ж";
  const std::string cut = sanitize_file_name(long_name);
  EXPECT_EQ(cut.size(), 128u);
  EXPECT_EQ(cut, long_name.substr(0, 128));
  EXPECT_LE(sanitize_file_name(std::string(5000, 'a')).size(), kMaxFileNameBytes);
}

TEST(UploadNames, PercentEncodingRoundTrips) {
  EXPECT_EQ(percent_encode("a b/ф.jpg"), "a%20b%2F%D1%84.jpg");
  std::string out;
  ASSERT_TRUE(percent_decode("a%20b%2f%D1%84.jpg", out));
  EXPECT_EQ(out, "a b/ф.jpg");
  EXPECT_FALSE(percent_decode("a%2", out));
  EXPECT_FALSE(percent_decode("a%", out));
  EXPECT_FALSE(percent_decode("a%zz", out));
}

TEST(UploadNames, ContentTypesAreNormalizedAndActiveOnesNeverServedAsThemselves) {
  EXPECT_EQ(normalize_content_type("Image/JPEG; charset=x"), "image/jpeg");
  EXPECT_EQ(normalize_content_type(""), "application/octet-stream");
  EXPECT_EQ(normalize_content_type("text/html\r\nX-Evil: 1"), "application/octet-stream");
  EXPECT_EQ(normalize_content_type("nonsense"), "application/octet-stream");
  EXPECT_EQ(present("image/jpeg").content_type, "image/jpeg");
  EXPECT_TRUE(present("image/jpeg").inline_display);
  EXPECT_TRUE(present("text/plain").inline_display);
  for (const char* active : {"text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript",
                             "application/javascript", "text/xml", "application/xml", "text/css", "multipart/related"}) {
    EXPECT_EQ(present(active).content_type, "application/octet-stream") << active;
    EXPECT_FALSE(present(active).inline_display) << active;
  }
  EXPECT_EQ(present("application/pdf").content_type, "application/pdf");
  EXPECT_FALSE(present("application/pdf").inline_display);
}

TEST(UploadNames, ContentDispositionFollowsRfc6266And5987) {
  EXPECT_EQ(content_disposition("photo.jpg", true), "inline; filename=\"photo.jpg\"");
  EXPECT_EQ(content_disposition("фото.jpg", false),
            "attachment; filename=\"____.jpg\"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.jpg");
  EXPECT_EQ(content_disposition("a\"b%.txt", false), "attachment; filename=\"a_b_.txt\"; filename*=UTF-8''a%22b%25.txt");
}

// --- slots ---

TEST(UploadSlots, LimitsAndQuotas) {
  Limits limits;
  limits.max_file_size = 100;
  limits.quota_per_user = 150;
  limits.disk_quota = 1000;
  EXPECT_EQ(check(limits, 100, 0, 0), Refusal::None);
  EXPECT_EQ(check(limits, 101, 0, 0), Refusal::TooLarge);
  EXPECT_EQ(check(limits, 50, 100, 100), Refusal::None);   // exactly the quota
  EXPECT_EQ(check(limits, 51, 100, 100), Refusal::UserQuota);
  EXPECT_EQ(check(limits, 1, 200, 200), Refusal::UserQuota);  // over already (the quota shrank)
  EXPECT_EQ(check(limits, 10, 0, 995), Refusal::DiskQuota);
  EXPECT_EQ(check(limits, 5, 0, 995), Refusal::None);
  limits.quota_per_user = limits.disk_quota = 0;  // no limits
  EXPECT_EQ(check(limits, 100, UINT64_MAX, UINT64_MAX), Refusal::None);
}

TEST(UploadSlots, OneUseEachReservedUntilUsedOrExpired) {
  Slots slots;
  const Clock::time_point now = Clock::now();
  slots.issue(Slot{"t1", "a@h", "x", "", 10, now + std::chrono::seconds(300)});
  slots.issue(Slot{"t2", "a@h", "y", "", 5, now + std::chrono::seconds(10)});
  slots.issue(Slot{"t3", "b@h", "z", "", 7, now + std::chrono::seconds(300)});
  EXPECT_EQ(slots.reserved_by("a@h"), 15u);
  EXPECT_EQ(slots.reserved(), 22u);
  EXPECT_EQ(slots.count_of("a@h"), 2u);
  EXPECT_NE(slots.find("t1", now), nullptr);
  EXPECT_EQ(slots.find("t2", now + std::chrono::seconds(10)), nullptr);  // expired
  ASSERT_TRUE(slots.take("t1", now));
  EXPECT_FALSE(slots.take("t1", now));  // used
  EXPECT_EQ(slots.expire(now + std::chrono::seconds(11)), 1u);
  EXPECT_EQ(slots.reserved(), 7u);
  slots.drop_owner("b@h");
  EXPECT_EQ(slots.size(), 0u);
  EXPECT_EQ(slots.reserved(), 0u);
}

// --- the module ---

class UploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(tmp.path() / "jabberadmin.sqlite");
    options.dir = tmp.path() / "upload";
    options.http_port = 5443;
    options.limits.max_file_size = 1000;
    options.limits.quota_per_user = 1500;
    options.limits.disk_quota = 10000;
    options.limits.file_lifetime = std::chrono::hours(24);
    options.now = [this] { return now; };
    modules = std::make_unique<module::Modules>(
        module::Services{*router, stream_features, disco_features, nullptr, nullptr, db.get(), {}, &routes},
        std::vector<module::Factory>{module::make<presence::Presence>(), module::make<disco::Disco>(),
                                     [this](module::Context& c) { return std::make_unique<Upload>(c, options); }});
    alice = &test::log_in(*router, sessions, "alice@example.org/a");
  }
  void TearDown() override {
    sessions.clear();
    modules.reset();
  }
  Upload& upload() { return *modules->find<Upload>(); }

  xml::Element iq(FakeSession& s, std::string_view to, xml::Element payload, std::string_view type = "get") {
    xml::Element q("iq", std::string(ns::kClient));
    q.set_attr("type", type).set_attr("id", "q1").set_attr("to", to);
    q.add(std::move(payload));
    s.take();
    test::send_from(*router, s, q);
    for (xml::Element& e : s.take())
      if (e.name() == "iq" && e.attr_or("id") == "q1") return e;
    ADD_FAILURE() << "no answer";
    return xml::Element();
  }
  xml::Element request(FakeSession& s, std::string_view name, std::string_view size, std::string_view type = "image/jpeg") {
    xml::Element r("request", std::string(ns::kHttpUpload));
    r.set_attr("filename", name).set_attr("size", size);
    if (!type.empty()) r.set_attr("content-type", type);
    return iq(s, "upload.example.org", r);
  }
  // The slot's PUT URL's path, or "".
  std::string slot_path(const xml::Element& answer) {
    const xml::Element* slot = answer.child("slot", ns::kHttpUpload);
    if (slot == nullptr || !slot->child("put", ns::kHttpUpload)) return {};
    const std::string url = slot->child("put", ns::kHttpUpload)->attr_or("url");
    const std::string prefix = "https://example.org:5443";
    EXPECT_TRUE(url.starts_with(prefix)) << url;
    EXPECT_EQ(url, slot->child("get", ns::kHttpUpload)->attr_or("url"));
    return url.substr(prefix.size());
  }
  static http::Request put(const std::string& path, const std::string& body, std::string_view type = "image/jpeg",
                           std::optional<std::string> length = std::nullopt) {
    http::Request r(bhttp::verb::put, path, 11);
    if (!type.empty()) r.set(bhttp::field::content_type, std::string(type));
    r.set(bhttp::field::content_length, length.value_or(std::to_string(body.size())));
    r.body() = body;
    return r;
  }
  // What the listener does: the refusal from the header; a PUT's body streamed to the
  // route's sink in small pieces, its finish the answer; a file's answer read back here
  // from its open file; else the answer to the request.
  http::Response send(const http::Request& r) {
    const http::Route* route = routes.find(http::view(r.target()));
    EXPECT_NE(route, nullptr);
    if (auto refused = route->refusal(r)) return *refused;
    auto streamed = route->stream_body(r);
    if (auto* refused = std::get_if<http::Response>(&streamed)) return *refused;
    if (auto& sink = std::get<std::unique_ptr<http::BodySink>>(streamed)) {
      for (std::size_t at = 0; at < r.body().size(); at += 3)
        if (!sink->write(r.body().data() + at, std::min<std::size_t>(3, r.body().size() - at)))
          return http::text_response(11, bhttp::status::internal_server_error, "sink refused");
      return sink->finish();
    }
    if (auto file = route->serve_file(r)) {
      http::Response out(file->result(), file->version());
      for (const auto& field : file->base()) out.set(field.name_string(), field.value());
      auto& f = file->body().file();
      boost::system::error_code ec;
      char buf[4096];
      while (const std::size_t n = f.read(buf, sizeof buf, ec)) out.body().append(buf, n);
      EXPECT_FALSE(ec);
      return out;
    }
    return route->answer(r);
  }
  static std::string condition(const xml::Element& e) {
    const xml::Element* error = e.child("error");
    return error && error->first_element() ? error->first_element()->name() : std::string();
  }

  test::TempDir tmp{"upload"};
  Clock::time_point now = Clock::now();
  UploadOptions options;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<store::Database> db;
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  http::Routes routes;
  std::unique_ptr<module::Modules> modules;
  std::vector<std::unique_ptr<FakeSession>> sessions;
  FakeSession* alice = nullptr;
};

TEST_F(UploadTest, TheServiceIsListedAndDescribesItsLimit) {
  const xml::Element items = iq(*alice, "example.org", xml::Element("query", std::string(ns::kDiscoItems)));
  bool listed = false;
  for (const xml::Element& item : items.child("query", ns::kDiscoItems)->children())
    listed |= item.attr_or("jid") == "upload.example.org";
  EXPECT_TRUE(listed);
  const xml::Element info = iq(*alice, "upload.example.org", xml::Element("query", std::string(ns::kDiscoInfo)));
  const xml::Element* q = info.child("query", ns::kDiscoInfo);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->child("identity", ns::kDiscoInfo)->attr_or("category"), "store");
  EXPECT_EQ(q->child("identity", ns::kDiscoInfo)->attr_or("type"), "file");
  const xml::Element* form = q->child("x", ns::kDataForms);
  ASSERT_NE(form, nullptr);
  std::set<std::string> values;
  for (const xml::Element& field : form->children()) values.insert(field.attr_or("var") + "=" + field.child("value", ns::kDataForms)->text());
  EXPECT_TRUE(values.contains("FORM_TYPE=urn:xmpp:http:upload:0"));
  EXPECT_TRUE(values.contains("max-file-size=1000"));
}

TEST_F(UploadTest, SlotPutGetHead) {
  const std::string path = slot_path(request(*alice, "../фото.jpg", "4"));
  ASSERT_FALSE(path.empty());
  EXPECT_TRUE(path.ends_with("/%D1%84%D0%BE%D1%82%D0%BE.jpg")) << path;
  EXPECT_EQ(send(put(path, "\xff\xd8\xff\xe0")).result(), bhttp::status::created);
  // The file whole under its token, nothing else in the directory.
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(options.dir)) {
    ++entries;
    EXPECT_TRUE(is_token(e.path().filename().string()));
  }
  EXPECT_EQ(entries, 1u);
  const http::Response got = send(http::Request(bhttp::verb::get, path, 11));
  EXPECT_EQ(got.result(), bhttp::status::ok);
  EXPECT_EQ(got.body(), "\xff\xd8\xff\xe0");
  EXPECT_EQ(http::view(got[bhttp::field::content_type]), "image/jpeg");
  EXPECT_EQ(http::view(got[bhttp::field::content_disposition]),
            "inline; filename=\"____.jpg\"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.jpg");
  EXPECT_EQ(http::view(got["X-Content-Type-Options"]), "nosniff");
  EXPECT_EQ(http::view(got[bhttp::field::access_control_allow_origin]), "*");
  const http::Response head = send(http::Request(bhttp::verb::head, path, 11));
  EXPECT_EQ(head.result(), bhttp::status::ok);
  EXPECT_EQ(http::view(head[bhttp::field::content_length]), "4");
  EXPECT_TRUE(head.body().empty());
  // One PUT per slot.
  EXPECT_EQ(send(put(path, "abcd")).result(), bhttp::status::forbidden);
  EXPECT_EQ(send(http::Request(bhttp::verb::get, path + "x", 11)).result(), bhttp::status::not_found);
  // The preflight a browser sends before its PUT.
  const http::Response options_answer = send(http::Request(bhttp::verb::options, path, 11));
  EXPECT_EQ(options_answer.result(), bhttp::status::no_content);
  EXPECT_NE(http::view(options_answer[bhttp::field::access_control_allow_methods]).find("PUT"), std::string_view::npos);
}

TEST_F(UploadTest, ActiveContentIsAnAttachmentOfNoType) {
  const std::string path = slot_path(request(*alice, "page.html", "5", "text/html"));
  ASSERT_EQ(send(put(path, "<b>x<", "text/html")).result(), bhttp::status::created);
  const http::Response got = send(http::Request(bhttp::verb::get, path, 11));
  EXPECT_EQ(http::view(got[bhttp::field::content_type]), "application/octet-stream");
  EXPECT_TRUE(http::view(got[bhttp::field::content_disposition]).starts_with("attachment;"));
  EXPECT_NE(http::view(got["Content-Security-Policy"]).find("sandbox"), std::string_view::npos);
}

TEST_F(UploadTest, PutsThatDoNotMatchTheSlotAreRefusedAndStoreNothing) {
  const std::string path = slot_path(request(*alice, "a.jpg", "4"));
  EXPECT_EQ(send(put(path, "abcde")).result(), bhttp::status::payload_too_large);
  EXPECT_EQ(send(put(path, "abc")).result(), bhttp::status::bad_request);
  EXPECT_EQ(send(put(path, "abcd", "text/html")).result(), bhttp::status::bad_request);
  EXPECT_EQ(send(put(path, "abcd", "image/jpeg", "+4")).result(), bhttp::status::bad_request);
  http::Request no_length(bhttp::verb::put, path, 11);
  EXPECT_EQ(send(no_length).result(), bhttp::status::length_required);
  const std::string unknown = "/upload/" + new_token() + "/a.jpg";
  EXPECT_EQ(send(put(unknown, "abcd")).result(), bhttp::status::forbidden);
  EXPECT_EQ(send(put("/upload/../../etc/passwd", "abcd")).result(), bhttp::status::forbidden);
  EXPECT_EQ(send(http::Request(bhttp::verb::delete_, path, 11)).result(), bhttp::status::method_not_allowed);
  EXPECT_TRUE(std::filesystem::is_empty(options.dir));
  // The slot is still good for the right PUT.
  EXPECT_EQ(send(put(path, "abcd")).result(), bhttp::status::created);
}

// A PUT cut off (the client went, a timeout, a failed write): the listener drops the sink
// unfinished. Nothing is left, neither the temporary file nor a row, and the slot is used.
TEST_F(UploadTest, APutCutOffLeavesNothingAndUsesTheSlot) {
  const std::string path = slot_path(request(*alice, "a.jpg", "4"));
  const http::Request header = put(path, "abcd");
  const http::Route* route = routes.find(path);
  ASSERT_NE(route, nullptr);
  ASSERT_FALSE(route->refusal(header));
  auto streamed = route->stream_body(header);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<http::BodySink>>(streamed));
  auto& sink = std::get<std::unique_ptr<http::BodySink>>(streamed);
  ASSERT_TRUE(sink);
  EXPECT_TRUE(sink->write("ab", 2));
  EXPECT_FALSE(std::filesystem::is_empty(options.dir));  // the temporary file, as it arrives
  EXPECT_FALSE(sink->write("cde", 3));                    // past the slot's size
  sink.reset();
  EXPECT_TRUE(std::filesystem::is_empty(options.dir));
  EXPECT_EQ(send(put(path, "abcd")).result(), bhttp::status::forbidden);
  EXPECT_EQ(send(http::Request(bhttp::verb::get, path, 11)).result(), bhttp::status::not_found);
  // A sink finished short of the slot's size stores nothing either.
  const std::string second = slot_path(request(*alice, "b.jpg", "4"));
  auto again = routes.find(second)->stream_body(put(second, "abcd"));
  auto& short_sink = std::get<std::unique_ptr<http::BodySink>>(again);
  EXPECT_TRUE(short_sink->write("abc", 3));
  EXPECT_EQ(short_sink->finish().result(), bhttp::status::internal_server_error);
  short_sink.reset();
  EXPECT_TRUE(std::filesystem::is_empty(options.dir));
  // A GET with a body is refused before it is read.
  http::Request get_with_body(bhttp::verb::get, path, 11);
  get_with_body.set(bhttp::field::content_length, "100");
  EXPECT_EQ(send(get_with_body).result(), bhttp::status::bad_request);
}

TEST_F(UploadTest, SlotsExpireUnused) {
  const std::string path = slot_path(request(*alice, "a.jpg", "4"));
  now += std::chrono::minutes(6);
  EXPECT_EQ(send(put(path, "abcd")).result(), bhttp::status::forbidden);
}

TEST_F(UploadTest, RequestsOverTheLimitsAreRefused) {
  const xml::Element too_large = request(*alice, "big.bin", "1001");
  EXPECT_EQ(condition(too_large), "not-acceptable");
  const xml::Element* error = too_large.child("error");
  const xml::Element* detail = error ? error->child("file-too-large", ns::kHttpUpload) : nullptr;
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->child("max-file-size", ns::kHttpUpload)->text(), "1000");
  EXPECT_EQ(condition(request(*alice, "a.bin", "-1")), "bad-request");
  EXPECT_EQ(condition(request(*alice, "a.bin", "1e3")), "bad-request");
  EXPECT_EQ(condition(request(*alice, "", "10")), "bad-request");
  // The quota counts stored files and unused slots alike.
  const std::string stored = slot_path(request(*alice, "a.bin", "1000", ""));
  ASSERT_EQ(send(put(stored, std::string(1000, 'x'), "application/octet-stream")).result(), bhttp::status::created);
  EXPECT_FALSE(slot_path(request(*alice, "b.bin", "400")).empty());
  EXPECT_EQ(condition(request(*alice, "c.bin", "101")), "resource-constraint");
  EXPECT_FALSE(slot_path(request(*alice, "c.bin", "100")).empty());
  // Another account has its own quota.
  FakeSession& bob = test::log_in(*router, sessions, "bob@example.org/b");
  EXPECT_FALSE(slot_path(request(bob, "d.bin", "1000")).empty());
}

TEST_F(UploadTest, TheSweepRemovesExpiredFilesAndAnAccountsRemovalItsFiles) {
  const std::string path = slot_path(request(*alice, "a.jpg", "4"));
  ASSERT_EQ(send(put(path, "abcd")).result(), bhttp::status::created);
  FakeSession& bob = test::log_in(*router, sessions, "bob@example.org/b");
  const std::string bobs = slot_path(request(bob, "b.jpg", "4"));
  ASSERT_EQ(send(put(bobs, "abcd")).result(), bhttp::status::created);
  EXPECT_EQ(modules->account_data().known(), (std::set<std::string>{"alice@example.org", "bob@example.org"}));
  EXPECT_EQ(modules->account_data().removed({"bob@example.org"}), 1u);
  EXPECT_EQ(send(http::Request(bhttp::verb::get, bobs, 11)).result(), bhttp::status::not_found);
  now += std::chrono::hours(23);
  upload().sweep();
  EXPECT_EQ(send(http::Request(bhttp::verb::get, path, 11)).result(), bhttp::status::ok);
  now += std::chrono::hours(2);
  EXPECT_EQ(send(http::Request(bhttp::verb::get, path, 11)).result(), bhttp::status::not_found);  // expired
  upload().sweep();
  EXPECT_TRUE(std::filesystem::is_empty(options.dir));
  EXPECT_EQ(upload().store()->bytes(), 0u);
}

}  // namespace
}  // namespace jabberadmin::upload
