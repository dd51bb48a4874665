#include "proxy/authenticate/authenticate_http.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/tunnel/byte_stream.h"
#include "common/tunnel/error_answer.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

tcp::socket& Socket(tcp::socket& socket) { return socket; }
tcp::socket& Socket(TlsStream& stream) { return stream.next_layer(); }
tcp::socket& Socket(tunnel::TlsSocket& stream) { return stream.next_layer(); }

AuthenticateResponse Plain(int status, std::string sentence) {
  AuthenticateResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-store"}};
  response.body = sentence + "\n";
  return response;
}

// Reads the request; an error answer if it is not acceptable, nullopt if
// the client is not worth answering (it left or was too slow).
template <typename Stream>
asio::awaitable<std::optional<AuthenticateRequest>> ReadRequest(Stream& stream,
                                                                std::string already_read,
                                                                const ServeOptions& options,
                                                                AuthenticateResponse& refusal) {
  boost::beast::flat_buffer buffer;
  auto space = buffer.prepare(already_read.size());
  asio::buffer_copy(space, asio::buffer(already_read));
  buffer.commit(already_read.size());
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);

  // A watchdog rather than a parallel group: cancelling the socket stops any
  // read in progress, whatever layers (TLS, Beast) sit above it.
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer deadline(executor, absl::ToChronoNanoseconds(options.read_timeout));
  bool too_slow = false;
  deadline.async_wait([&too_slow, &stream](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the frame these refer to may be gone
    too_slow = true;
    boost::system::error_code ignored;
    Socket(stream).cancel(ignored);
  });
  auto [read_error, read_bytes] =
      co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  deadline.cancel();
  if (too_slow) co_return std::nullopt;
  if (read_error == bhttp::error::header_limit) {
    refusal = Plain(431, "The request's headers are too large.");
    co_return std::nullopt;
  }
  if (read_error == bhttp::error::body_limit) {
    refusal = Plain(413, "The request's body is too large.");
    co_return std::nullopt;
  }
  if (read_error == bhttp::error::end_of_stream || tunnel::IsEndOfStream(read_error)) {
    co_return std::nullopt;
  }
  if (read_error) {
    refusal = Plain(400, "The request is not valid HTTP/1.1.");
    co_return std::nullopt;
  }
  const auto& message = parser.get();
  AuthenticateRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    if (field.name() != bhttp::field::cookie) continue;
    if (!request.cookie.empty()) request.cookie += "; ";
    request.cookie += std::string(field.value());
  }
  if (request.target.empty() || request.target.front() != '/') {
    refusal = Plain(400, "The request target must be a path.");
    co_return std::nullopt;
  }
  co_return request;
}

template <typename Stream>
asio::awaitable<void> Serve(Stream& stream, AuthenticateHandler& handler, std::string already_read,
                            ServeOptions options) {
  try {
    AuthenticateResponse refusal;
    std::optional<AuthenticateRequest> request =
        co_await ReadRequest(stream, std::move(already_read), options, refusal);
    std::optional<AuthenticateResponse> answer;
    if (request.has_value() && AuthenticateHandler::Handles(request->target)) {
      // Not in a conditional expression: GCC 12 destroys the result of a
      // co_await there twice.
      answer = co_await handler.Handle(*std::move(request));
    } else if (request.has_value()) {
      answer = Plain(404, "There is no such page on this proxy.");
    } else if (refusal.status != 200) {
      // Unread request bytes may remain: answer so that a reset cannot
      // destroy the answer (send, half-close, drain, close).
      co_await tunnel::SendErrorAnswer(stream, SerializeResponse(refusal));
      co_return;
    }
    if (answer.has_value()) {
      const std::string bytes = SerializeResponse(*answer);
      co_await asio::async_write(stream, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
      co_await tunnel::ShutdownSend(stream);
    }
  } catch (const std::exception& e) {
    log::Warn("login endpoint connection failed: %s", e.what());
  }
  boost::system::error_code ignored;
  Socket(stream).close(ignored);
}

}  // namespace

std::string SerializeResponse(const AuthenticateResponse& response) {
  std::string reason(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status)));
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ", reason, "\r\n");
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "Content-Length: ", response.body.size(), "\r\nConnection: close\r\n\r\n",
                  response.body);
  return out;
}

asio::awaitable<void> ServeAuthenticateRequest(tcp::socket& stream, AuthenticateHandler& handler,
                                               std::string already_read, ServeOptions options) {
  return Serve(stream, handler, std::move(already_read), options);
}

asio::awaitable<void> ServeAuthenticateRequest(TlsStream& stream, AuthenticateHandler& handler,
                                               std::string already_read, ServeOptions options) {
  return Serve(stream, handler, std::move(already_read), options);
}

asio::awaitable<void> ServeAuthenticateRequest(tunnel::TlsSocket& stream,
                                               AuthenticateHandler& handler,
                                               std::string already_read, ServeOptions options) {
  return Serve(stream, handler, std::move(already_read), options);
}

}  // namespace postern::authenticate
