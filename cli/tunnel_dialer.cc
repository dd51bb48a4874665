#include "cli/tunnel_dialer.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <string>
#include <utility>
#include <variant>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/tunnel/byte_stream.h"
#include "common/tunnel/connect_response.h"

namespace postern::cli {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::experimental::awaitable_operators::operator||;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Bytes per read of the proxy's answer; a 200 is one small record.
constexpr std::size_t kAnswerReadSize = 16 * 1024;

bool Aborted(const boost::system::error_code& ec) { return ec == asio::error::operation_aborted; }

absl::Status Cancelled() { return absl::CancelledError("cancelled before the tunnel opened"); }

std::string Seconds(std::chrono::steady_clock::duration duration) {
  return absl::StrCat(
      std::chrono::duration_cast<std::chrono::milliseconds>(duration).count() / 1000.0, "s");
}

}  // namespace

TunnelDialer::TunnelDialer(asio::any_io_executor executor, const tls::ClientContext& tls,
                           DialerOptions options)
    : executor_(std::move(executor)),
      tls_(tls),
      options_(std::move(options)),
      first_dial_done_(executor_, asio::steady_timer::time_point::max()),
      login_done_(executor_, asio::steady_timer::time_point::max()) {}

asio::awaitable<absl::StatusOr<DialedTunnel>> TunnelDialer::Dial() {
  const uint64_t logins_before = logins_done_;
  // Copied: a login may replace options_.token while this Dial is under way.
  const std::string token = options_.token;
  absl::StatusOr<DialedTunnel> tunnel = co_await DialWithDeadline(token, options_.token_source);
  if (tunnel.ok() || !absl::IsUnauthenticated(tunnel.status()) || !options_.login ||
      options_.token_source == TokenSource::kServiceAccount) {
    co_return tunnel;
  }
  if (logins_done_ == logins_before) {
    log::Info("proxy %s asks for a login", options_.proxy.ToString());
    if (absl::Status login = co_await SharedLogin(); !login.ok()) {
      // A proxy without browser login (or unreachable for it): the refusal
      // says what to do instead, the login error why the login could not.
      if (!absl::IsUnavailable(login)) co_return login;
      co_return absl::Status(tunnel.status().code(),
                             absl::StrCat(tunnel.status().message(),
                                          "; browser login not possible: ", login.message()));
    }
  }
  const std::string fresh_token = options_.token;
  co_return co_await DialWithDeadline(fresh_token, options_.token_source);
}

asio::awaitable<absl::Status> TunnelDialer::SharedLogin() {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (login_in_flight_) {
    const uint64_t waiting_for = logins_done_ + 1;
    while (logins_done_ < waiting_for) {
      co_await login_done_.async_wait(kTuple);
      if ((co_await asio::this_coro::cancellation_state).cancelled() !=
          asio::cancellation_type::none) {
        co_return Cancelled();
      }
    }
    co_return last_login_;
  }
  login_in_flight_ = true;
  absl::StatusOr<std::string> token = absl::CancelledError("login cancelled");
  try {
    token = co_await options_.login();
  } catch (const std::exception& e) {
    token = absl::InternalError(absl::StrCat("login failed: ", e.what()));
  }
  login_in_flight_ = false;
  ++logins_done_;
  if (token.ok()) {
    options_.token = *std::move(token);
    options_.token_source = TokenSource::kLogin;
    last_login_ = absl::OkStatus();
  } else {
    last_login_ = token.status();
  }
  login_done_.cancel();
  co_return last_login_;
}

asio::awaitable<absl::StatusOr<DialedTunnel>> TunnelDialer::DialWithDeadline(
    const std::string& token, TokenSource source) {
  try {
    std::variant<absl::StatusOr<DialedTunnel>, std::monostate> outcome =
        co_await (DialOnce(token, source) || Deadline());
    if (outcome.index() == 1) {
      co_return absl::DeadlineExceededError(
          absl::StrCat("proxy ", options_.proxy.ToString(), " did not open the tunnel to ",
                       options_.target.ToString(), " within ", Seconds(options_.timeout)));
    }
    co_return std::move(std::get<0>(outcome));
  } catch (const std::exception& e) {
    // Asio reports exhausted resources (no memory, no file descriptors) by
    // throwing; nothing here throws by design.
    co_return absl::InternalError(absl::StrCat("cannot open tunnel: ", e.what()));
  }
}

asio::awaitable<bool> TunnelDialer::TakeTurnForTls() {
  // Wait for the first Dial's session, but not for long: a proxy slow to
  // answer it (slow authorization, slow upstream) must not hold every other
  // connection back as well.
  const auto give_up = std::chrono::steady_clock::now() + options_.first_dial_wait;
  while (!warm_ && first_dial_in_flight_ && std::chrono::steady_clock::now() < give_up) {
    asio::steady_timer bound(executor_, give_up);
    co_await (first_dial_done_.async_wait(kTuple) || bound.async_wait(kTuple));
    const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
    if (cancellation.cancelled() != asio::cancellation_type::none) co_return false;
  }
  const bool first = !warm_ && !first_dial_in_flight_;
  if (first) first_dial_in_flight_ = true;
  co_return first;
}

asio::awaitable<void> TunnelDialer::Deadline() {
  asio::steady_timer timer(executor_, options_.timeout);
  co_await timer.async_wait(asio::use_awaitable);  // throws when cancelled: the dial won
}

asio::awaitable<absl::StatusOr<DialedTunnel>> TunnelDialer::DialOnce(const std::string& token,
                                                                     TokenSource source) {
  // Cancellation (the deadline, shutdown) shows as operation_aborted
  // results, handled below, not as exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  const std::string proxy = options_.proxy.ToString();
  const std::string target = options_.target.ToString();

  tcp::resolver resolver(executor_);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
      options_.proxy.host, std::to_string(options_.proxy.port), kTuple);
  if (resolve_ec) {
    if (Aborted(resolve_ec)) co_return Cancelled();
    co_return absl::UnavailableError(absl::StrCat("cannot resolve the proxy's name ",
                                                  options_.proxy.host, ": ", resolve_ec.message()));
  }

  tcp::socket socket(executor_);
  auto [connect_ec, endpoint] = co_await asio::async_connect(socket, endpoints, kTuple);
  if (connect_ec) {
    if (Aborted(connect_ec)) co_return Cancelled();
    co_return absl::UnavailableError(
        absl::StrCat("cannot reach proxy ", proxy, ": ", connect_ec.message()));
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // the relay forwards at once

  // The wait for the first handshake comes after the TCP connect, so that
  // the waiting Dials all start their handshakes at once when it ends, each
  // offering the session before any of them has used it up (OpenSSL offers
  // a TLS 1.3 session only once).
  const bool first = co_await TakeTurnForTls();
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
    co_return Cancelled();
  }
  absl::Cleanup end_turn = [this, first] {
    if (!first) return;
    first_dial_in_flight_ = false;
    first_dial_done_.cancel();  // wake the waiting Dials, warm_ or not
  };

  SSL* ssl = SSL_new(tls_.native());
  if (ssl == nullptr) co_return absl::InternalError("cannot create a TLS connection");
  auto stream = std::make_unique<TlsStream>(std::move(socket), ssl);  // owns `ssl` now
  if (absl::Status status = tls::PrepareClientSsl(ssl, options_.proxy.host, options_.proxy.port);
      !status.ok()) {
    co_return status;
  }
  auto [handshake_ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, kTuple);
  if (handshake_ec) {
    if (Aborted(handshake_ec)) co_return Cancelled();
    std::string why = tls::DescribeVerificationFailure(ssl, options_.proxy.host);
    if (why.empty()) {
      co_return absl::UnavailableError(
          absl::StrCat("TLS handshake with proxy ", proxy, " failed: ", handshake_ec.message()));
    }
    co_return absl::UnavailableError(absl::StrCat(
        why,
        options_.custom_ca
            ? "; check that --ca-cert-file holds the CA that issued the proxy's certificate and "
              "that the certificate names this host"
            : "; if the proxy's certificate comes from a private CA, pass --ca-cert-file PEM"));
  }

  absl::StatusOr<std::string> request =
      tunnel::FormatConnectRequest(options_.target.ToString(), token);
  if (!request.ok()) co_return request.status();
  auto [write_ec, written] = co_await asio::async_write(*stream, asio::buffer(*request), kTuple);
  if (write_ec) {
    if (Aborted(write_ec)) co_return Cancelled();
    co_return absl::UnavailableError(
        absl::StrCat("proxy ", proxy, " closed the connection: ", write_ec.message()));
  }

  tunnel::ConnectResponseParser parser;
  std::string piece(kAnswerReadSize, '\0');
  std::size_t piece_size = 0;
  tunnel::ConnectResponseParser::Progress progress =
      tunnel::ConnectResponseParser::Progress::kNeedMore;
  while (progress == tunnel::ConnectResponseParser::Progress::kNeedMore) {
    auto [read_ec, n] = co_await stream->async_read_some(asio::buffer(piece), kTuple);
    if (n > 0) {
      piece_size = n;
      progress = parser.Feed(std::string_view(piece.data(), n));
      if (progress != tunnel::ConnectResponseParser::Progress::kNeedMore) break;
    }
    if (read_ec) {
      if (Aborted(read_ec)) co_return Cancelled();
      if (!tunnel::IsEndOfStream(read_ec)) {
        co_return absl::UnavailableError(absl::StrCat(
            "proxy ", proxy, " broke the connection before answering: ", read_ec.message()));
      }
      progress = parser.FeedEof();
    }
  }
  warm_ = true;  // the proxy's session tickets came before its answer
  if (progress == tunnel::ConnectResponseParser::Progress::kError) {
    co_return absl::UnavailableError(
        absl::StrCat("proxy ", proxy, " gave no valid answer: ", parser.error().message()));
  }
  const tunnel::ConnectResponse& response = parser.response();
  if (response.status < 200 || response.status > 299) {
    // A close_notify keeps the TLS session resumable for the next tunnel.
    co_await tunnel::ShutdownSend(*stream);
    co_return ExplainRefusal(
        response, {.proxy = options_.proxy, .target = options_.target, .token_source = source});
  }

  DialedTunnel tunnel;
  tunnel.initial_bytes = piece.substr(parser.consumed(), piece_size - parser.consumed());
  tunnel.tls_version = SSL_get_version(ssl);
  tunnel.tls_resumed = SSL_session_reused(ssl) == 1;
  tunnel.stream = std::move(stream);
  co_return tunnel;
}

}  // namespace postern::cli
