// The tunnel's data path: copy bytes both ways between two ByteStreams until
// both directions have ended, carrying half-closes through.
//
//   RelayOptions options;
//   options.idle_timeout = route.idle_timeout;          // 0: off (the default)
//   options.initial_to_upstream = std::string(chunk.substr(parser.consumed()));
//   RelayResult result = co_await Relay(client_tls, upstream_socket, std::move(options));
//   access_log << result.bytes_to_upstream << " " << result.bytes_to_client << " "
//              << result.CloseReason();
//
// Shape: two half-duplex copy loops (client -> upstream, upstream -> client)
// and a watchdog for the timeouts, run as one Asio parallel group on the
// caller's executor. Each loop owns one buffer, reused for every read; a
// read's bytes are written out in full before the next read, so no byte is
// lost or reordered. When one direction reads end of stream, the relay calls
// ShutdownSend on the other side and that direction is done; the other
// direction keeps flowing until it ends too. An error in either direction, a
// timeout, or cancellation of the awaiting coroutine ends both at once.
//
// Callers set TCP_NODELAY on sockets (the relay forwards what it reads at
// once, so Nagle would only add latency), close both streams after Relay
// returns, and ignore SIGPIPE if a side is a pipe.
#ifndef POSTERN_COMMON_TUNNEL_RELAY_H_
#define POSTERN_COMMON_TUNNEL_RELAY_H_

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/tunnel/byte_stream.h"
#include "common/tunnel/tls_socket.h"

namespace postern::tunnel {

struct RelayOptions {
  // End the tunnel after this long with no byte moving in either direction.
  // Zero: never (the default; SSH sessions sit idle for hours).
  std::chrono::steady_clock::duration idle_timeout{0};
  // End the tunnel this long after it started, busy or not. Zero: never.
  std::chrono::steady_clock::duration max_duration{0};
  // Bytes that arrived with the handshake, after the CONNECT request (proxy)
  // or the 200 answer (CLI): sent to that side before anything else.
  std::string initial_to_upstream;
  std::string initial_to_client;
  // Bytes per read in each direction (at least 4 KiB). 64 KiB keeps
  // syscalls few at multi-gigabit rates while staying cache-friendly.
  std::size_t buffer_size = 64 * 1024;
};

// How a tunnel ended: the first decisive event. An error, timeout or
// shutdown outranks an end of stream seen earlier in one direction (a client
// that half-closed and then saw its upstream reset ended by the reset).
enum class RelayEnd {
  kClientClosed,    // both directions ended; the client finished sending first
  kUpstreamClosed,  // both directions ended; the upstream finished sending first
  kIdleTimeout,
  kMaxDuration,
  kClientError,    // reading from or writing to the client failed (e.g. reset)
  kUpstreamError,  // reading from or writing to the upstream failed
  kShutdown,       // the awaiting coroutine was cancelled (proxy shutting down)
  kInternalError,  // an exception inside the relay (memory exhausted)
};

struct RelayResult {
  uint64_t bytes_to_upstream = 0;  // client -> upstream, including initial bytes
  uint64_t bytes_to_client = 0;    // upstream -> client, including initial bytes
  std::chrono::steady_clock::duration duration{0};
  RelayEnd end = RelayEnd::kShutdown;
  std::string error;  // what failed, for kClientError/kUpstreamError/kInternalError

  // CloseReason returns the access log's words for `end`: "client closed",
  // "upstream closed", "idle timeout", "max duration", "client error: <msg>",
  // "upstream error: <msg>", "shutdown", "internal error: <msg>".
  std::string CloseReason() const;
};

// Relay copies bytes between `client` and `upstream` until both directions
// end (see the file comment), then returns what happened. Both streams must
// outlive the returned awaitable and must not be read or written by anyone
// else meanwhile. It never throws. Cancelling the awaiting coroutine
// (terminal cancellation) ends the relay promptly with kShutdown. The streams
// are left open for the caller to close.
template <ByteStream Client, ByteStream Upstream>
boost::asio::awaitable<RelayResult> Relay(Client& client, Upstream& upstream, RelayOptions options);

// Implementation; not part of the API.
namespace relay_internal {

enum class Side { kClient, kUpstream };

struct State {
  explicit State(const RelayOptions& options)
      : start(std::chrono::steady_clock::now()),
        last_activity(start),
        track_activity(options.idle_timeout.count() > 0) {}

  void Touch() {
    if (track_activity) last_activity = std::chrono::steady_clock::now();
  }
  void Finished(Side side) {
    if (!first_eof) first_eof = side;
    ++directions_finished;
  }
  void Stop(RelayEnd why, std::string message = {}) {
    if (stop) return;
    stop = why;
    error = std::move(message);
  }
  void Failed(Side side, const boost::system::error_code& ec) {
    Stop(side == Side::kClient ? RelayEnd::kClientError : RelayEnd::kUpstreamError, ec.message());
  }

  const std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point last_activity;
  const bool track_activity;
  int directions_finished = 0;
  std::optional<Side> first_eof;
  std::optional<RelayEnd> stop;
  std::string error;
};

inline bool Cancelled(const boost::asio::cancellation_state& state) {
  return state.cancelled() != boost::asio::cancellation_type::none;
}

// Relay buffers are lent per read, from a small per-thread pool, to
// streams the relay can poll (see Polling): an idle tunnel then holds no
// buffer at all, and a busy worker thread reuses a few warm ones.
// AcquireBuffer never returns null (it allocates when the pool has none of
// `size`); ReleaseBuffer keeps up to a few per thread and frees the rest.
std::unique_ptr<char[]> AcquireBuffer(std::size_t size);
void ReleaseBuffer(std::unique_ptr<char[]> buffer, std::size_t size);

class LentBuffer {
 public:
  explicit LentBuffer(std::size_t size) : size_(size), data_(AcquireBuffer(size)) {}
  ~LentBuffer() { ReleaseBuffer(std::move(data_), size_); }
  LentBuffer(const LentBuffer&) = delete;
  LentBuffer& operator=(const LentBuffer&) = delete;
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> data_;
};

// Polling<S> is defined for streams that can say "readable" without a
// buffer and then be read without blocking; Copy then borrows its buffer
// only while bytes are moving. Other streams (Asio's ssl::stream, stdin)
// keep one buffer for the life of the direction.
template <typename S>
struct Polling;

template <>
struct Polling<boost::asio::ip::tcp::socket> {
  static void Prepare(boost::asio::ip::tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);  // once: every call is an ioctl
  }
  static auto Wait(boost::asio::ip::tcp::socket& socket) {
    return socket.async_wait(boost::asio::socket_base::wait_read,
                             boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  static std::size_t TryRead(boost::asio::ip::tcp::socket& socket,
                             boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
    return socket.read_some(buffer, ec);
  }
};

template <>
struct Polling<TlsSocket> {
  static void Prepare(TlsSocket&) {}
  static auto Wait(TlsSocket& tls) {
    return tls.async_wait_readable(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  static std::size_t TryRead(TlsSocket& tls, boost::asio::mutable_buffer buffer,
                             boost::system::error_code& ec) {
    return tls.TryReadSome(buffer, ec);
  }
};

template <typename S>
concept PollableStream = requires(S& stream, boost::asio::mutable_buffer buffer,
                                  boost::system::error_code& ec) {
  Polling<S>::Prepare(stream);
  Polling<S>::Wait(stream);
  { Polling<S>::TryRead(stream, buffer, ec) } -> std::same_as<std::size_t>;
};

// Writes all of `data` to `to` and counts what was written. False: the
// direction is over (the write failed, recorded in `state`, or cancelled).
template <typename To>
boost::asio::awaitable<bool> Forward(To& to, Side to_side, boost::asio::const_buffer data,
                                     uint64_t& bytes, State& state,
                                     const boost::asio::cancellation_state& cancellation) {
  namespace asio = boost::asio;
  auto [ec, n] = co_await asio::async_write(to, data, asio::as_tuple(asio::use_awaitable));
  bytes += n;
  if (ec) {
    if (!Cancelled(cancellation)) state.Failed(to_side, ec);
    co_return false;
  }
  co_return true;
}

// The reads from one side ended with `read_ec`: the peer's end of stream is
// carried on as a shutdown of `to`'s sending side (the other direction keeps
// flowing; if that peer is already gone, the other direction reports it),
// anything else fails the relay.
template <typename To>
boost::asio::awaitable<void> EndReads(To& to, Side from_side, boost::system::error_code read_ec,
                                      State& state) {
  if (!IsEndOfStream(read_ec)) {
    state.Failed(from_side, read_ec);
    co_return;
  }
  co_await ShutdownSend(to);
  state.Finished(from_side);
}

// Sends `initial` (bytes that arrived with the handshake) before the copy
// proper; owning it, frees it before the copy starts. False: as Forward.
template <typename To>
boost::asio::awaitable<bool> SendInitial(To& to, Side to_side, std::string initial, uint64_t& bytes,
                                         State& state,
                                         const boost::asio::cancellation_state& cancellation) {
  if (initial.empty()) co_return true;
  co_return co_await Forward(to, to_side, boost::asio::buffer(initial), bytes, state, cancellation);
}

// One direction, `from` -> `to`, for a pollable `from`: wait for bytes with
// no buffer held, then borrow one and read until the stream has nothing more.
template <typename From, typename To>
requires PollableStream<From> boost::asio::awaitable<void> Copy(From& from, To& to, Side from_side,
                                                                std::string initial,
                                                                std::size_t buffer_size,
                                                                uint64_t& bytes, State& state) {
  namespace asio = boost::asio;
  co_await asio::this_coro::throw_if_cancelled(false);
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  const Side to_side = from_side == Side::kClient ? Side::kUpstream : Side::kClient;
  if (!co_await SendInitial(to, to_side, std::move(initial), bytes, state, cancellation)) {
    co_return;
  }
  buffer_size = std::max<std::size_t>(buffer_size, 4096);
  Polling<From>::Prepare(from);
  for (;;) {
    if (Cancelled(cancellation)) co_return;
    auto [wait_ec] = co_await Polling<From>::Wait(from);
    if (Cancelled(cancellation)) co_return;
    if (wait_ec) {
      state.Failed(from_side, wait_ec);
      co_return;
    }
    LentBuffer buffer(buffer_size);
    for (;;) {
      boost::system::error_code read_ec;
      const std::size_t n =
          Polling<From>::TryRead(from, asio::buffer(buffer.data(), buffer.size()), read_ec);
      if (n > 0) {
        state.Touch();
        if (Cancelled(cancellation)) co_return;
        if (!co_await Forward(to, to_side, asio::buffer(buffer.data(), n), bytes, state,
                              cancellation)) {
          co_return;
        }
        state.Touch();
        if (Cancelled(cancellation)) co_return;
        continue;
      }
      if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) break;
      if (!read_ec) break;  // nothing read and no error: wait again
      co_await EndReads(to, from_side, read_ec, state);
      co_return;
    }
  }
}

// One direction: `from` -> `to`, for any ByteStream `from`.
template <typename From, typename To>
requires(!PollableStream<From>) boost::asio::awaitable<void> Copy(From& from, To& to,
                                                                  Side from_side,
                                                                  std::string initial,
                                                                  std::size_t buffer_size,
                                                                  uint64_t& bytes, State& state) {
  namespace asio = boost::asio;
  // Cancellation is checked by hand below rather than thrown: the loop has
  // nothing to unwind and exceptions would cost more than the check.
  co_await asio::this_coro::throw_if_cancelled(false);
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  const Side to_side = from_side == Side::kClient ? Side::kUpstream : Side::kClient;

  // SendInitial owns `initial`, so its bytes are freed before the copy proper.
  if (!co_await SendInitial(to, to_side, std::move(initial), bytes, state, cancellation)) {
    co_return;
  }

  buffer_size = std::max<std::size_t>(buffer_size, 4096);  // an empty buffer would spin
  std::unique_ptr<char[]> buffer(new char[buffer_size]);
  for (;;) {
    if (Cancelled(cancellation)) co_return;
    auto [read_ec, n] = co_await from.async_read_some(asio::buffer(buffer.get(), buffer_size),
                                                      asio::as_tuple(asio::use_awaitable));
    if (n > 0) {
      state.Touch();
      if (Cancelled(cancellation)) co_return;
      if (!co_await Forward(to, to_side, asio::buffer(buffer.get(), n), bytes, state,
                            cancellation)) {
        co_return;
      }
      state.Touch();
    }
    if (read_ec) {
      if (Cancelled(cancellation)) co_return;
      co_await EndReads(to, from_side, read_ec, state);
      co_return;
    }
  }
}

// Ends the relay when the idle timeout or the maximum duration passes;
// otherwise waits until cancelled.
inline boost::asio::awaitable<void> Watchdog(State& state,
                                             std::chrono::steady_clock::duration idle_timeout,
                                             std::chrono::steady_clock::duration max_duration) {
  namespace asio = boost::asio;
  using Clock = std::chrono::steady_clock;
  // Nothing to watch (the default for TCP routes): end at once rather than
  // keep a timer and a coroutine frame for the life of an idle tunnel.
  if (idle_timeout.count() <= 0 && max_duration.count() <= 0) co_return;
  co_await asio::this_coro::throw_if_cancelled(false);
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    Clock::time_point deadline = Clock::time_point::max();
    if (max_duration.count() > 0) deadline = state.start + max_duration;
    if (idle_timeout.count() > 0) deadline = std::min(deadline, state.last_activity + idle_timeout);
    timer.expires_at(deadline);
    if (Cancelled(cancellation)) co_return;
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const Clock::time_point now = Clock::now();
    if (max_duration.count() > 0 && now >= state.start + max_duration) {
      state.Stop(RelayEnd::kMaxDuration);
      co_return;
    }
    if (idle_timeout.count() > 0 && now >= state.last_activity + idle_timeout) {
      state.Stop(RelayEnd::kIdleTimeout);
      co_return;
    }
  }
}

// The parallel group's cancellation condition: once the relay is decided
// (stopped, or both directions done), cancel whatever still runs.
struct EndWhenDecided {
  State* state;
  boost::asio::cancellation_type operator()(const std::exception_ptr& failure) const {
    if (failure) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      state->Stop(RelayEnd::kInternalError, what);
    }
    return state->stop || state->directions_finished == 2 ? boost::asio::cancellation_type::terminal
                                                          : boost::asio::cancellation_type::none;
  }
};

}  // namespace relay_internal

template <ByteStream Client, ByteStream Upstream>
boost::asio::awaitable<RelayResult> Relay(Client& client, Upstream& upstream,
                                          RelayOptions options) {
  namespace asio = boost::asio;
  using relay_internal::Side;
  co_await asio::this_coro::throw_if_cancelled(false);
  const auto executor = co_await asio::this_coro::executor;
  relay_internal::State state(options);
  RelayResult result;
  if (!relay_internal::Cancelled(co_await asio::this_coro::cancellation_state)) {
    try {
      co_await asio::experimental::make_parallel_group(
          asio::co_spawn(executor,
                         relay_internal::Copy(client, upstream, Side::kClient,
                                              std::move(options.initial_to_upstream),
                                              options.buffer_size, result.bytes_to_upstream, state),
                         asio::deferred),
          asio::co_spawn(executor,
                         relay_internal::Copy(upstream, client, Side::kUpstream,
                                              std::move(options.initial_to_client),
                                              options.buffer_size, result.bytes_to_client, state),
                         asio::deferred),
          asio::co_spawn(
              executor, relay_internal::Watchdog(state, options.idle_timeout, options.max_duration),
              asio::deferred))
          .async_wait(relay_internal::EndWhenDecided{&state}, asio::use_awaitable);
    } catch (const std::exception& e) {
      state.Stop(RelayEnd::kInternalError, e.what());
    }
  }
  result.duration = std::chrono::steady_clock::now() - state.start;
  if (state.stop) {
    result.end = *state.stop;
    result.error = std::move(state.error);
  } else if (state.directions_finished == 2) {
    result.end =
        *state.first_eof == Side::kClient ? RelayEnd::kClientClosed : RelayEnd::kUpstreamClosed;
  } else {
    result.end = RelayEnd::kShutdown;
  }
  co_return result;
}

// The combinations the proxy and the CLI use are compiled once, in relay.cc.
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
using TcpSocket = boost::asio::ip::tcp::socket;
using StdioStream =
    SplitStream<boost::asio::posix::stream_descriptor, boost::asio::posix::stream_descriptor>;
extern template boost::asio::awaitable<RelayResult> Relay(TlsStream&, TcpSocket&, RelayOptions);
extern template boost::asio::awaitable<RelayResult> Relay(TlsStream&, TlsStream&, RelayOptions);
extern template boost::asio::awaitable<RelayResult> Relay(TcpSocket&, TlsStream&, RelayOptions);
extern template boost::asio::awaitable<RelayResult> Relay(TcpSocket&, TcpSocket&, RelayOptions);
extern template boost::asio::awaitable<RelayResult> Relay(StdioStream&, TlsStream&, RelayOptions);
extern template boost::asio::awaitable<RelayResult> Relay(StdioStream&, TcpSocket&, RelayOptions);
extern template boost::asio::awaitable<RelayResult> Relay(TlsSocket&, TcpSocket&, RelayOptions);

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_RELAY_H_
