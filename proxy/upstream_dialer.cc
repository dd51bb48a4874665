#include "proxy/upstream_dialer.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "proxy/socket_options.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

std::string Target(const std::string& host, uint16_t port) {
  return host.find(':') == std::string::npos ? absl::StrCat(host, ":", port)
                                             : absl::StrCat("[", host, "]:", port);
}

// The timer finished first: it expired, or the dial was cancelled (which
// aborts the timer too).
absl::Status DeadlinePassed(const std::tuple<boost::system::error_code>& timer,
                            const std::string& target, Clock::duration timeout) {
  if (std::get<0>(timer)) return absl::CancelledError("dial cancelled");
  return absl::DeadlineExceededError(absl::StrCat("upstream ", target, " did not answer within ",
                                                  absl::FormatDuration(absl::FromChrono(timeout))));
}

// While addresses remain after this one, an attempt gets at most its share
// of the time left, but at least this (or all that is left): enough for a
// distant host to answer, short enough that an address that never answers
// (a dead host, IPv6 without a route) leaves time for the next.
constexpr Clock::duration kMinAttempt = std::chrono::seconds(2);

// Connects before `deadline`, trying `endpoints` in order, each within its
// share of the time left (see kMinAttempt). Each socket is opened here rather than by
// asio::async_connect's range overload: that one reports a socket it could
// not open (EMFILE, out of descriptors) as operation_aborted, which is
// indistinguishable from cancellation, so a proxy out of descriptors would
// drop the client without an answer and log a shutdown.
asio::awaitable<absl::StatusOr<tcp::socket>> Connect(const std::vector<tcp::endpoint>& endpoints,
                                                     const std::string& target,
                                                     Clock::time_point deadline,
                                                     Clock::duration timeout) {
  const auto executor = co_await asio::this_coro::executor;
  std::string last_error;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const tcp::endpoint& endpoint = endpoints[i];
    tcp::socket socket(executor);
    boost::system::error_code error;
    socket.open(endpoint.protocol(), error);
    if (error) {
      last_error = absl::StrCat("cannot open a socket: ", error.message());
      continue;
    }
    const Clock::time_point now = Clock::now();
    const Clock::duration left = std::max(deadline - now, Clock::duration::zero());
    const auto share = left / static_cast<Clock::rep>(endpoints.size() - i);
    const Clock::duration budget = std::max(share, std::min(left, kMinAttempt));
    asio::steady_timer attempt(executor, now + budget);
    auto connected =
        co_await (socket.async_connect(endpoint, asio::as_tuple(asio::use_awaitable)) ||
                  attempt.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (connected.index() == 1) {
      if (std::get<0>(std::get<1>(connected)) || budget == left) {
        co_return DeadlinePassed(std::get<1>(connected), target, timeout);
      }
      // Only an address with others after it gets here: their turn.
      continue;
    }
    error = std::get<0>(std::get<0>(connected));
    if (error == asio::error::operation_aborted) co_return absl::CancelledError("dial cancelled");
    if (!error) {
      SetTunnelSocketOptions(socket);
      co_return std::move(socket);
    }
    last_error = absl::StrCat("refused or unreachable: ", error.message());
  }
  co_return absl::UnavailableError(absl::StrCat("upstream ", target, " ", last_error));
}

}  // namespace

asio::awaitable<absl::StatusOr<tcp::socket>> DialEndpoints(std::vector<tcp::endpoint> endpoints,
                                                           std::string target,
                                                           Clock::duration timeout) {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (endpoints.empty()) {
    co_return absl::UnavailableError(absl::StrCat("upstream ", target, " has no address"));
  }
  try {
    co_return co_await Connect(endpoints, target, Clock::now() + timeout, timeout);
  } catch (const std::exception& e) {
    co_return absl::InternalError(absl::StrCat("dialing upstream ", target, ": ", e.what()));
  }
}

namespace {

asio::awaitable<absl::StatusOr<tcp::socket>> ResolveAndDial(std::string host, uint16_t port,
                                                            Clock::duration timeout) {
  co_await asio::this_coro::throw_if_cancelled(false);
  const std::string target = Target(host, port);
  try {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer deadline(executor, timeout);
    tcp::resolver resolver(executor);
    const std::string service = std::to_string(port);
    auto resolved = co_await (resolver.async_resolve(host, service, tcp::resolver::numeric_service,
                                                     asio::as_tuple(asio::use_awaitable)) ||
                              deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (resolved.index() == 1) co_return DeadlinePassed(std::get<1>(resolved), target, timeout);
    auto [resolve_error, results] = std::get<0>(std::move(resolved));
    if (resolve_error == asio::error::operation_aborted) {
      co_return absl::CancelledError("dial cancelled");
    }
    if (resolve_error || results.empty()) {
      co_return absl::NotFoundError(
          absl::StrCat("upstream host ", host, " does not resolve: ", resolve_error.message()));
    }
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    co_return co_await Connect(endpoints, target, deadline.expiry(), timeout);
  } catch (const std::exception& e) {
    co_return absl::InternalError(absl::StrCat("dialing upstream ", target, ": ", e.what()));
  }
}

}  // namespace

asio::awaitable<absl::StatusOr<tcp::socket>> DialUpstream(std::string host, uint16_t port,
                                                          Clock::duration timeout) {
  // An address needs no resolver: Asio's runs getaddrinfo on a thread of its
  // own, a round trip between threads on every tunnel's setup.
  boost::system::error_code not_an_address;
  const asio::ip::address address = asio::ip::make_address(host, not_an_address);
  if (not_an_address) return ResolveAndDial(std::move(host), port, timeout);
  return DialEndpoints({tcp::endpoint(address, port)}, Target(host, port), timeout);
}

int DialFailureStatus(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDeadlineExceeded ? 504 : 502;
}

}  // namespace postern::proxy
