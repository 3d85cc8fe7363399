// A Beast body type for a request body streamed to a BodySink (routes.hpp) as the parser
// takes it: the parser hands over each buffer it reads and keeps none, so a streamed body
// costs the connection's read buffer, not its length. The listener switches a request's
// parser to this body once its header is read (Beast's parser converts between bodies
// before the body starts).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

#include "http/routes.hpp"

namespace jabberadmin::http {

struct SinkBody {
  using value_type = std::unique_ptr<BodySink>;

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& sink) : sink_(sink) {}

    void init(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) {
      ec = sink_ ? boost::system::error_code() : make_error_code(boost::system::errc::io_error);
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      std::size_t taken = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        if (!sink_->write(static_cast<const char*>(b.data()), b.size())) {
          ec = make_error_code(boost::system::errc::io_error);
          return taken;
        }
        taken += b.size();
      }
      ec = {};
      return taken;
    }
    void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    value_type& sink_;
  };
};

using SinkParser = boost::beast::http::request_parser<SinkBody>;

}  // namespace jabberadmin::http
