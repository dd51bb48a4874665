#include "common/http/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/http/web_url.h"
#include "common/tls/client_context.h"
#include "common/version.h"

namespace postern::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
// The close_notify exchange after a complete response only keeps the TLS
// session resumable; it must not hold a caller up for long.
constexpr auto kTlsShutdownBudget = std::chrono::milliseconds(500);

// Where a request goes, read from its URL.
struct Destination {
  bool https = false;
  std::string host;         // for the resolver and TLS: no brackets, no port
  std::string host_header;  // "host", "host:port", "[v6]:port"
  bool host_is_ip = false;
  uint16_t port = 0;
  std::string target;  // origin-form: path and query

  // Named in every message: never the URL, whose query may hold secrets.
  std::string Name() const {
    return host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                               : absl::StrCat(host, ":", port);
  }
};

absl::StatusOr<Destination> ParseDestination(std::string_view text) {
  absl::StatusOr<WebUrl> url = ParseWebUrl(text);
  if (!url.ok()) return url.status();
  Destination d;
  d.https = url->https;
  d.host = url->host;
  d.host_is_ip = url->host_kind != HostKind::kName;
  d.port = url->port;
  d.host_header = url->Authority();
  d.target = url->Target();
  return d;
}

bool IsLoopbackAddress(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return address.is_loopback();
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos ||
         text.find('\0') != std::string_view::npos;
}

std::string DurationText(absl::Duration duration) { return absl::FormatDuration(duration); }

absl::StatusOr<bhttp::request<bhttp::string_body>> BuildRequest(const HttpRequest& request,
                                                                const Destination& d) {
  bhttp::verb verb;
  if (request.method == "GET") {
    verb = bhttp::verb::get;
  } else if (request.method == "POST") {
    verb = bhttp::verb::post;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported HTTP method for ", d.Name(), " (only GET and POST)"));
  }
  bhttp::request<bhttp::string_body> out(verb, d.target, 11);
  out.set(bhttp::field::host, d.host_header);
  out.set(bhttp::field::user_agent, absl::StrCat("postern/", kVersion));
  out.set(bhttp::field::connection, "close");
  for (const HttpHeader& header : request.headers) {
    if (header.name.empty() || HasLineBreak(header.name) || HasLineBreak(header.value) ||
        header.name.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("request to ", d.Name(), " has a malformed header"));
    }
    out.insert(header.name, header.value);
  }
  if (!request.content_type.empty()) {
    if (HasLineBreak(request.content_type)) {
      return absl::InvalidArgumentError(
          absl::StrCat("request to ", d.Name(), " has a malformed content type"));
    }
    out.set(bhttp::field::content_type, request.content_type);
  }
  if (verb == bhttp::verb::post || !request.body.empty()) {
    out.body() = request.body;
    out.prepare_payload();
  }
  return out;
}

absl::Status TransportError(const Destination& d, const char* step,
                            const boost::system::error_code& ec, absl::Duration timeout) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(
        absl::StrCat(d.Name(), " did not answer within ", DurationText(timeout)));
  }
  return absl::UnavailableError(absl::StrCat(d.Name(), ": ", step, ": ", ec.message()));
}

// Writes the request and reads the response on a connected (and, for https,
// handshaken) stream.
template <typename Stream>
asio::awaitable<absl::StatusOr<HttpResponse>> Exchange(Stream& stream,
                                                       bhttp::request<bhttp::string_body>& request,
                                                       const Destination& d,
                                                       const FetchOptions& options) {
  auto [write_ec, written] =
      co_await bhttp::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  if (write_ec)
    co_return TransportError(d, "sending the request failed", write_ec, options.timeout);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(options.max_body_bytes);
  auto [read_ec, read] =
      co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (read_ec == asio::ssl::error::stream_truncated && parser.is_header_done() &&
      !parser.is_done() && !parser.chunked() && !parser.content_length()) {
    // A body that ends with the connection, closed without close_notify, as
    // many servers do: the end of the body, not an error.
    read_ec = {};
    parser.put_eof(read_ec);
  }
  if (read_ec == bhttp::error::body_limit) {
    co_return absl::ResourceExhaustedError(absl::StrCat(
        "response from ", d.Name(), " is larger than ", options.max_body_bytes, " bytes"));
  }
  if (read_ec == bhttp::error::header_limit) {
    co_return absl::ResourceExhaustedError(absl::StrCat(
        "response header from ", d.Name(), " is larger than ", kMaxHeaderBytes, " bytes"));
  }
  if (read_ec) co_return TransportError(d, "reading the response failed", read_ec, options.timeout);

  bhttp::response<bhttp::string_body> message = parser.release();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  response.body = std::move(message.body());
  co_return response;
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const HttpHeader& header : headers) {
    if (absl::EqualsIgnoreCase(absl::string_view(header.name.data(), header.name.size()),
                               absl::string_view(name.data(), name.size()))) {
      return header.value;
    }
  }
  return std::nullopt;
}

class HttpClient::Impl {
 public:
  Impl(tls::ClientContext tls, asio::ssl::context asio_tls)
      : tls_(std::move(tls)), asio_tls_(std::move(asio_tls)) {}

  asio::awaitable<absl::StatusOr<HttpResponse>> Fetch(const HttpRequest& request,
                                                      const FetchOptions& options) {
    absl::StatusOr<Destination> d = ParseDestination(request.url);
    if (!d.ok()) co_return d.status();
    if (!d->https && options.plain_http == PlainHttp::kRefuse) {
      co_return absl::InvalidArgumentError(
          absl::StrCat("refusing plain http to ", d->Name(), ": use https"));
    }
    absl::StatusOr<bhttp::request<bhttp::string_body>> message = BuildRequest(request, *d);
    if (!message.ok()) co_return message.status();

    const auto deadline = Clock::now() + absl::ToChronoNanoseconds(options.timeout);
    const auto executor = co_await asio::this_coro::executor;

    std::vector<tcp::endpoint> endpoints;
    if (d->host_is_ip) {
      endpoints.emplace_back(asio::ip::make_address(d->host), d->port);
    } else {
      // Bounded by the system resolver's own timeouts, not by `deadline`:
      // Asio's resolver cannot abandon a lookup in progress.
      tcp::resolver resolver(executor);
      auto [ec, results] = co_await resolver.async_resolve(d->host, std::to_string(d->port),
                                                           asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return absl::UnavailableError(
            absl::StrCat("cannot resolve ", d->host, ": ", ec.message()));
      }
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
      if (Clock::now() >= deadline) {
        co_return absl::DeadlineExceededError(
            absl::StrCat(d->Name(), " did not answer within ", DurationText(options.timeout)));
      }
    }
    if (!d->https) {
      std::erase_if(endpoints,
                    [](const tcp::endpoint& e) { return !IsLoopbackAddress(e.address()); });
      if (endpoints.empty()) {
        co_return absl::InvalidArgumentError(
            absl::StrCat("refusing plain http to ", d->Name(),
                         ": only loopback addresses may be reached without TLS; use https"));
      }
    }

    if (!d->https) {
      beast::tcp_stream stream(executor);
      stream.expires_at(deadline);
      auto [ec, connected] =
          co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return TransportError(*d, "cannot connect", ec, options.timeout);
      absl::StatusOr<HttpResponse> response = co_await Exchange(stream, *message, *d, options);
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return response;
    }

    beast::ssl_stream<beast::tcp_stream> stream(executor, asio_tls_);
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [connect_ec, connected] = co_await beast::get_lowest_layer(stream).async_connect(
        endpoints, asio::as_tuple(asio::use_awaitable));
    if (connect_ec) co_return TransportError(*d, "cannot connect", connect_ec, options.timeout);
    if (absl::Status s = tls::PrepareClientSsl(stream.native_handle(), d->host, d->port); !s.ok()) {
      co_return s;
    }
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client,
                                                          asio::as_tuple(asio::use_awaitable));
    if (handshake_ec) {
      std::string why = tls::DescribeVerificationFailure(stream.native_handle(), d->host);
      if (!why.empty()) co_return absl::UnavailableError(why);
      co_return TransportError(*d, "TLS handshake failed", handshake_ec, options.timeout);
    }
    absl::StatusOr<HttpResponse> response = co_await Exchange(stream, *message, *d, options);
    if (response.ok()) {
      // close_notify keeps the TLS session resumable for the next request.
      beast::get_lowest_layer(stream).expires_at(
          std::min(deadline, Clock::now() + kTlsShutdownBudget));
      co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return response;
  }

 private:
  tls::ClientContext tls_;  // owns the session cache the SSL_CTX refers to
  asio::ssl::context asio_tls_;
};

HttpClient::HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

absl::StatusOr<std::shared_ptr<HttpClient>> HttpClient::Create(
    const tls::ClientOptions& tls_options) {
  absl::StatusOr<tls::ClientContext> tls = tls::ClientContext::Create(tls_options);
  if (!tls.ok()) return tls.status();
  // asio::ssl::context frees the SSL_CTX it is given: give it its own reference.
  SSL_CTX_up_ref(tls->native());
  asio::ssl::context asio_tls(tls->native());
  return std::shared_ptr<HttpClient>(
      new HttpClient(std::make_shared<Impl>(*std::move(tls), std::move(asio_tls))));
}

asio::awaitable<absl::StatusOr<HttpResponse>> HttpClient::Fetch(HttpRequest request,
                                                                FetchOptions options) {
  // Keeps the TLS context alive while this request runs, whatever happens to
  // the client meanwhile.
  std::shared_ptr<Impl> impl = impl_;
  try {
    co_return co_await impl->Fetch(request, options);
  } catch (const std::exception& e) {
    co_return absl::InternalError(absl::StrCat("HTTP request failed: ", e.what()));
  }
}

}  // namespace postern::http
