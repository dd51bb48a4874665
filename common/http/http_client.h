// A small HTTP/1.1 client for the calls Postern makes to other web services:
// the proxy to its OpenID provider (discovery, JWKS, token, userinfo), the CLI
// to the proxy's login endpoint. One request per connection, no redirects
// followed, bounded in time and size, https verified with common/tls.
//
//   absl::StatusOr<std::shared_ptr<HttpClient>> client = HttpClient::Create({});
//   absl::StatusOr<HttpResponse> response = co_await (*client)->Fetch(
//       {.url = "https://idp.example.com/.well-known/openid-configuration"}, {});
//   if (!response.ok()) return response.status();   // "idp.example.com:443: connection refused"
//   if (response->status != 200) ...                 // any status is a response, 3xx included
//
// Beast and the socket types stay in http_client.cc: callers include only
// Asio's awaitable.
#ifndef POSTERN_COMMON_HTTP_HTTP_CLIENT_H_
#define POSTERN_COMMON_HTTP_HTTP_CLIENT_H_

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/tls/client_context.h"

namespace postern::http {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;             // absolute http:// or https:// URL; a fragment is dropped
  // Sent as given, after Host, User-Agent and Connection: close, which the
  // client always sets itself (so they must not be in this list).
  std::vector<HttpHeader> headers;
  // Sent with Content-Length (also when empty, for POST).
  std::string body;
  std::string content_type;  // e.g. "application/x-www-form-urlencoded"; empty: none
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // in the order received
  std::string body;                 // decoded from chunked transfer coding if it was

  // Header returns the value of the first header named `name` (ASCII
  // case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

// Whether a plain-http URL may be fetched. TLS protects what OIDC sends
// (codes, client secrets, tokens); without it only a peer on this machine is
// acceptable, e.g. a provider under test.
enum class PlainHttp {
  kRefuse,        // http:// URLs fail with kInvalidArgument
  kLoopbackOnly,  // http:// only to addresses in 127.0.0.0/8 or ::1, checked after resolving
};

struct FetchOptions {
  // The whole exchange (resolve, connect, TLS, request, response) ends after
  // this with kDeadlineExceeded.
  absl::Duration timeout = absl::Seconds(10);
  // A longer response body fails with kResourceExhausted.
  std::size_t max_body_bytes = 1 << 20;
  PlainHttp plain_http = PlainHttp::kRefuse;
};

// HttpClient owns the TLS client context (trust store, session cache) that
// its requests share. Thread-safe: Fetch may run concurrently on any
// executors. Hold it in the shared_ptr Create returns; a Fetch in progress
// keeps what it needs alive.
class HttpClient {
 public:
  // Create builds a client trusting what `tls_options` says (default: the
  // system trust store, with hostname verification). Fails as
  // tls::ClientContext::Create does (e.g. an unreadable CA file).
  static absl::StatusOr<std::shared_ptr<HttpClient>> Create(const tls::ClientOptions& tls_options);

  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Fetch sends `request` on a new connection and returns the response,
  // whatever its status. Runs on the awaiting coroutine's executor; never
  // throws. Errors, each naming the host but never the URL's query (it may
  // carry secrets) nor any header or body:
  // - kInvalidArgument: a malformed URL, a method other than GET/POST, a URL
  //   with user:password, plain http refused by `options.plain_http`;
  // - kUnavailable: the name did not resolve, no address accepted the
  //   connection, the TLS handshake or certificate check failed ("TLS
  //   certificate of idp.example.com not accepted: ..."), the connection broke
  //   or the response was not HTTP/1.x;
  // - kDeadlineExceeded: `options.timeout` passed;
  // - kResourceExhausted: the response exceeded `options.max_body_bytes` (or
  //   64 KiB of header).
  boost::asio::awaitable<absl::StatusOr<HttpResponse>> Fetch(HttpRequest request,
                                                             FetchOptions options);

 private:
  class Impl;
  explicit HttpClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace postern::http

#endif  // POSTERN_COMMON_HTTP_HTTP_CLIENT_H_
