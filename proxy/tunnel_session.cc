#include "proxy/tunnel_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/tunnel/byte_stream.h"
#include "common/tunnel/connect_request.h"
#include "common/tunnel/error_answer.h"
#include "common/tunnel/relay.h"
#include "common/tunnel/tls_socket.h"
#include "proxy/access_log.h"
#include "proxy/admission.h"
#include "proxy/authenticate/authenticate_handler.h"
#include "proxy/authenticate/authenticate_http.h"
#include "proxy/proxy_protocol_reader.h"
#include "proxy/socket_options.h"
#include "proxy/upstream_dialer.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

// Bytes read per call while waiting for the request head. Most requests fit
// in one read; the parser keeps what it needs across reads.
constexpr std::size_t kRequestReadSize = 16 * 1024;

constexpr char kShutdown[] = "shutdown";

Clock::duration ToClock(absl::Duration d) {
  return std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(d));
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  return address.is_v6() ? absl::StrCat("[", address.to_string(), "]:", endpoint.port())
                         : absl::StrCat(address.to_string(), ":", endpoint.port());
}

// The authorize service's answer, and when it arrived (on gRPC's thread:
// the Check's own duration, without the wait for the session's thread).
struct CheckAnswer {
  absl::StatusOr<v1::CheckResponse> response;
  Clock::time_point arrived;
};

// AsyncCheck asks `authorizer` and resumes the awaiting coroutine on its own
// executor with the answer: gRPC answers on its threads, and the session's
// state may only be touched from the session's thread. The pending answer
// counts as work, so the io_context keeps running until it arrives (gRPC's
// deadline bounds the wait). `meanwhile` runs once the request is on its
// way, on the session's thread, before the answer can resume it.
template <typename Meanwhile>
asio::awaitable<CheckAnswer> AsyncCheck(Authorizer& authorizer, v1::CheckRequest request,
                                        absl::Duration timeout, Meanwhile meanwhile) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(CheckAnswer)>(
      [&authorizer, timeout, &meanwhile](auto handler, v1::CheckRequest request) {
        auto work = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
        authorizer.Check(
            std::move(request), timeout,
            [handler = std::move(handler), work](absl::StatusOr<v1::CheckResponse> response) mutable {
              CheckAnswer answer{std::move(response), Clock::now()};
              asio::post(work, [handler = std::move(handler), answer = std::move(answer)]() mutable {
                std::move(handler)(std::move(answer));
              });
            });
        meanwhile();
      },
      asio::use_awaitable, std::move(request));
}

class TunnelSession {
 public:
  TunnelSession(tcp::socket client, SessionEnvironment environment,
                std::shared_ptr<const ServingState> state)
      : environment_(environment),
        state_(std::move(state)),
        config_(*state_->config),
        started_(Clock::now()),
        tls_(std::move(client), state_->tls_context->native_handle()),
        deadline_(tls_.get_executor(), ToClock(config_.request_header_timeout)) {
    // Sent while the Check is in flight instead of before the request can
    // be read: off the setup's critical path (docs/PERFORMANCE.md). Answers
    // without a Check carry them with their first write.
    tls_.DeferSessionTickets();
  }

  asio::awaitable<void> Run() {
    boost::system::error_code ec;
    const tcp::endpoint peer = tls_.next_layer().remote_endpoint(ec);
    if (ec) co_return;  // reset before we got to it
    source_ip_ = peer.address().to_string();
    record_.client = EndpointText(peer);
    SetTunnelSocketOptions(tls_.next_layer());

    if (config_.proxy_protocol && !co_await AcceptProxyHeader()) co_return;
    if (!co_await Handshake()) co_return;
    co_await Serve();
    Close();
    record_.duration = absl::FromChrono(Clock::now() - started_);
    if (log_access_) WriteAccessLine(record_, absl::Now());
  }

 private:
  // AcceptProxyHeader reads the PROXY protocol header a load balancer puts
  // before TLS (proxy_protocol: true) and takes the client's address from it
  // for policy and the access log. A connection without a valid one is
  // closed: it did not come through the balancer, or the balancer is
  // misconfigured. One that ends before sending a byte is only logged at
  // debug level, like TCP health checks that never speak.
  asio::awaitable<bool> AcceptProxyHeader() {
    absl::StatusOr<ProxyHeader> header = co_await ReadProxyHeader(tls_.next_layer(), deadline_);
    if (header.ok()) {
      if (header->source.has_value()) {
        source_ip_ = header->source->ip;
        record_.client = header->source->ToString();
      }
      co_return true;
    }
    const absl::StatusCode code = header.status().code();
    if (code == absl::StatusCode::kUnavailable) {
      log::Debug("PROXY protocol: connection from %s: %s", record_.client,
                 header.status().message());
    } else if (code != absl::StatusCode::kCancelled) {
      environment_.metrics->proxy_protocol_errors().Add();
      std::string reason(header.status().message());
      if (code == absl::StatusCode::kDeadlineExceeded) {
        absl::StrAppend(&reason, " (request_header_timeout ",
                        absl::FormatDuration(config_.request_header_timeout), ")");
      }
      log::Warn("PROXY protocol: closed connection from %s: %s", record_.client, reason);
    }
    Close();
    co_return false;
  }

  // Handshake runs the TLS handshake before the deadline. Connections that
  // fail it get no access-log line: they never spoke HTTP (port scanners,
  // load balancer health checks, clients that distrust the certificate).
  asio::awaitable<bool> Handshake() {
    auto result = co_await (tls_.async_handshake(asio::as_tuple(asio::use_awaitable)) ||
                            deadline_.async_wait(asio::as_tuple(asio::use_awaitable)));
    std::string failure;
    if (result.index() == 1) {
      failure = !std::get<0>(std::get<1>(result)) ? "timed out" : kShutdown;
    } else if (auto [ec] = std::get<0>(result); ec) {
      failure = ec.message();
    }
    if (failure.empty()) co_return true;
    environment_.metrics->tls_handshake_failures().Add();
    log::Debug("TLS handshake with %s failed: %s", record_.client, failure);
    Close();
    co_return false;
  }

  // Serve handles the request on an established TLS connection and sets
  // record_ accordingly; the caller closes and logs.
  asio::awaitable<void> Serve() {
    // Optional so that it can go once the tunnel is admitted.
    std::optional<tunnel::ConnectRequestParser> parser(std::in_place);
    std::optional<std::string> rest = co_await ReadRequestHead(*parser);
    if (!rest.has_value()) co_return;
    if (!parser_done_) {
      if (parser->error().status == 405) {
        co_await AnswerNonConnect(*parser, *std::move(rest));
      } else {
        co_await Refuse(parser->error().status, parser->error().reason, parser->error().reason);
      }
      co_return;
    }
    const tunnel::ConnectRequest& request = parser->request();
    record_.authority = request.authority;
    const config::Route* route = config_.FindRoute(request.authority);
    if (route == nullptr) {
      const std::string why = absl::StrCat("no route for ", request.authority);
      co_await Refuse(404, why, why);
      co_return;
    }
    record_.route = route->from;
    record_.upstream = route->upstream.ToString();
    route_metrics_ = &environment_.metrics->ForRoute(route->key);

    if (!co_await Admit(*route, request)) co_return;
    // The head (with its token) is no longer needed; a tunnel may stay open
    // for days, so give its memory back now. `request` is not used below.
    parser.reset();

    absl::StatusOr<tcp::socket> upstream =
        co_await DialUpstream(route->upstream.host, static_cast<uint16_t>(route->upstream.port),
                              ToClock(config_.upstream_dial_timeout));
    if (!upstream.ok()) {
      if (upstream.status().code() == absl::StatusCode::kCancelled) {
        record_.close_reason = kShutdown;
        co_return;
      }
      route_metrics_->dial_failures->Add();
      const int status = DialFailureStatus(upstream.status());
      const std::string client_text =
          status == 504 ? "upstream did not answer in time" : "upstream unavailable";
      const std::string log_reason(upstream.status().message());
      co_await Refuse(status, client_text, log_reason);
      co_return;
    }
    boost::system::error_code ec;
    const tcp::endpoint upstream_endpoint = upstream->remote_endpoint(ec);
    if (!ec) record_.upstream_address = EndpointText(upstream_endpoint);

    co_await Relay(*route, *upstream, std::move(*rest));
    upstream->close(ec);
  }

  // ReadRequestHead reads until the parser is done (parser_done_) or has
  // refused the request, and returns the bytes of the last read that
  // followed the head (the first tunnel bytes). nullopt when the session is
  // over: the client left, the deadline passed (answered 408), or shutdown.
  asio::awaitable<std::optional<std::string>> ReadRequestHead(
      tunnel::ConnectRequestParser& parser) {
    // Not zero-filled: only what a read writes becomes resident.
    std::unique_ptr<char[]> buffer(new char[kRequestReadSize]);
    for (;;) {
      auto result = co_await (tls_.async_read_some(asio::buffer(buffer.get(), kRequestReadSize),
                                                   asio::as_tuple(asio::use_awaitable)) ||
                              deadline_.async_wait(asio::as_tuple(asio::use_awaitable)));
      if (result.index() == 1) {
        if (std::get<0>(std::get<1>(result))) {
          record_.close_reason = kShutdown;
        } else {
          const std::string why =
              absl::StrCat("request head not received within ",
                           absl::FormatDuration(config_.request_header_timeout));
          co_await Refuse(408, why, why);
        }
        co_return std::nullopt;
      }
      auto [ec, n] = std::get<0>(result);
      if (n > 0) {
        const std::string_view piece(buffer.get(), n);
        const auto progress = parser.Feed(piece);
        if (progress != tunnel::ConnectRequestParser::Progress::kNeedMore) {
          parser_done_ = progress == tunnel::ConnectRequestParser::Progress::kDone;
          co_return std::string(piece.substr(parser.consumed()));
        }
      }
      if (ec) {
        record_.close_reason = ec == asio::error::operation_aborted ? kShutdown
                               : tunnel::IsEndOfStream(ec)
                                   ? "client closed before completing the request"
                                   : absl::StrCat("client error: ", ec.message());
        co_return std::nullopt;
      }
    }
  }

  // AnswerNonConnect handles a request that is not CONNECT: the login
  // endpoints (GET /.pomerium/..., /oauth2/callback) share the tunnel
  // listener, as in Pomerium, so the CLI needs one URL. Anything else is
  // refused with 405 (Allow: CONNECT). Login requests are not tunnels and get
  // no access-log line; the handler logs failed logins itself.
  asio::awaitable<void> AnswerNonConnect(const tunnel::ConnectRequestParser& parser,
                                         std::string rest) {
    const std::string target = RequestTarget(parser.header_block());
    if (!authenticate::AuthenticateHandler::Handles(target)) {
      co_await Refuse(405, parser.error().reason, parser.error().reason);
      co_return;
    }
    if (state_->authenticate == nullptr) {
      const std::string why =
          "browser login is not configured on this proxy (no idp_provider_url); "
          "use a service account token";
      co_await Refuse(404, why, why);
      co_return;
    }
    log_access_ = false;
    deadline_.cancel();  // the login handler has its own deadlines
    co_await authenticate::ServeAuthenticateRequest(tls_, *state_->authenticate,
                                                    std::string(parser.header_block()) + rest);
  }

  // RequestTarget returns the target of a request line ("GET /x?y HTTP/1.1").
  static std::string RequestTarget(std::string_view head) {
    const size_t first = head.find(' ');
    if (first == std::string_view::npos) return "";
    const size_t second = head.find(' ', first + 1);
    if (second == std::string_view::npos) return "";
    return std::string(head.substr(first + 1, second - first - 1));
  }

  // Admit asks the authorize service and answers the refusals. True: allowed.
  asio::awaitable<bool> Admit(const config::Route& route, const tunnel::ConnectRequest& request) {
    v1::CheckRequest check;
    check.set_route(route.key);
    check.set_session_token(request.session_token);
    check.set_source_ip(source_ip_);
    check.set_http_method("CONNECT");
    const Clock::time_point asked = Clock::now();
    CheckAnswer checked =
        co_await AsyncCheck(*state_->authorizer, std::move(check), config_.authorize_timeout,
                            [this] { tls_.SendSessionTickets(); });
    environment_.metrics->authorize_duration().Observe(
        std::chrono::duration<double>(checked.arrived - asked).count());
    const absl::StatusOr<v1::CheckResponse>& answer = checked.response;

    Admission admission = AdmissionFor(answer);
    record_.decision = admission.decision;
    if (answer.ok() && answer->has_identity()) {
      record_.user = answer->identity().user();
      record_.email = answer->identity().email();
      record_.session_id = answer->identity().session_id();
    }
    const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
    if (cancellation.cancelled() != asio::cancellation_type::none) {
      record_.close_reason = kShutdown;
      co_return false;
    }
    if (admission.allowed) co_return true;
    const std::string log_reason =
        answer.ok() ? admission.client_text : std::string(answer.status().message());
    co_await Refuse(admission.status, admission.client_text, log_reason);
    co_return false;
  }

  // Relay answers 200 and joins the client to `upstream` until the tunnel
  // ends. `first_bytes` arrived after the request head and go upstream first.
  asio::awaitable<void> Relay(const config::Route& route, tcp::socket& upstream,
                              std::string first_bytes) {
    static constexpr std::string_view kEstablished = "HTTP/1.1 200 Connection established\r\n\r\n";
    record_.status = 200;
    route_metrics_->Finished(200);
    auto [ec, written] = co_await asio::async_write(tls_, asio::buffer(kEstablished),
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) {
      record_.close_reason = absl::StrCat("client error: ", ec.message());
      co_return;
    }
    tunnel::RelayOptions options;
    options.idle_timeout = ToClock(route.idle_timeout);
    options.max_duration = ToClock(route.timeout);
    options.initial_to_upstream = std::move(first_bytes);
    route_metrics_->active->Add(1);
    const tunnel::RelayResult result = co_await tunnel::Relay(tls_, upstream, std::move(options));
    route_metrics_->active->Add(-1);
    route_metrics_->bytes_up->Add(result.bytes_to_upstream);
    route_metrics_->bytes_down->Add(result.bytes_to_client);
    record_.bytes_up = result.bytes_to_upstream;
    record_.bytes_down = result.bytes_to_client;
    record_.close_reason = result.CloseReason();
  }

  // Refuse answers `status` with `client_text` as the body, so that the
  // client reads it even if it sent more (tunnel::SendErrorAnswer), and
  // records `log_reason`. Callers pass named strings: GCC 12 destroys the
  // temporary of a `?:` inside a co_await expression twice.
  asio::awaitable<void> Refuse(int status, const std::string& client_text,
                               const std::string& log_reason) {
    record_.status = status;
    record_.close_reason = log_reason;
    if (route_metrics_ == nullptr) route_metrics_ = &environment_.metrics->ForRoute(kNoRouteLabel);
    route_metrics_->Finished(status);
    std::string answer = tunnel::FormatResponse(status, client_text);
    co_await tunnel::SendErrorAnswer(tls_, std::move(answer));
  }

  void Close() {
    boost::system::error_code ignored;
    tls_.next_layer().close(ignored);
  }

  const SessionEnvironment environment_;
  const std::shared_ptr<const ServingState> state_;
  const config::Config& config_;
  const Clock::time_point started_;
  tunnel::TlsSocket tls_;
  // Ends the handshake and the wait for the request head.
  asio::steady_timer deadline_;
  std::string source_ip_;
  RouteMetrics* route_metrics_ = nullptr;
  bool parser_done_ = false;  // the request is a valid CONNECT
  bool log_access_ = true;    // false for login requests: not tunnels
  AccessRecord record_;
};

}  // namespace

asio::awaitable<void> RunTunnelSession(tcp::socket client, SessionEnvironment environment) {
  // Cancellation is handled where it can happen, not thrown.
  co_await asio::this_coro::throw_if_cancelled(false);
  try {
    TunnelSession session(std::move(client), environment, environment.state->Get());
    co_await session.Run();
  } catch (const std::exception& e) {
    log::Error("tunnel session ended by an internal error: %s", e.what());
  }
}

}  // namespace postern::proxy
