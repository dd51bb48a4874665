// bench_upstream: the upstream service of the proxy benchmark
// (bench/proxy/run.py). Plain TCP on one thread; the first byte of a
// connection picks what it does:
//
//   'S'         sink: count every following byte until the end of the stream,
//               then answer "<count>\n" and close (throughput, client -> upstream)
//   'G<n>\n'    generate: send n bytes, then end the stream (upstream -> client)
//   'T'         time: answer "<t>\n", t the steady_clock (CLOCK_MONOTONIC)
//               nanoseconds at which this connection was accepted, then echo;
//               the client subtracts its own start (setup: when did the relay
//               reach the upstream)
//   anything    echo, that first byte included (setup and idle tunnels)
//
//   bench_upstream --listen 127.0.0.1:0     # logs "listening on 127.0.0.1:PORT"
//
// One thread is enough: a sink or generator moves a GiB/s or more with 256 KiB
// reads and writes, and idle echo connections cost nothing but a 4 KiB buffer.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/flags/command_line.h"

namespace postern::bench {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr char kUsage[] =
    "usage: bench_upstream [--listen 127.0.0.1:0]\n"
    "\n"
    "Sink, generator and echo for the proxy benchmark; see bench/proxy/run.py.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "listen", .value_name = "ADDR", .help = "IPv4 address:port; 127.0.0.1:0"},
    {.name = "help", .help = "print this help"},
};

constexpr std::size_t kBulkBuffer = 256 * 1024;
constexpr std::size_t kEchoBuffer = 4 * 1024;

asio::awaitable<void> Sink(tcp::socket& socket, uint64_t already) {
  std::unique_ptr<char[]> buffer(new char[kBulkBuffer]);
  uint64_t count = already;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer.get(), kBulkBuffer),
                                                   asio::as_tuple(asio::use_awaitable));
    count += n;
    if (ec) break;
  }
  const std::string answer = absl::StrCat(count, "\n");
  co_await asio::async_write(socket, asio::buffer(answer), asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> Generate(tcp::socket& socket, std::string command) {
  for (;;) {
    if (command.find('\n') != std::string::npos) break;
    char more[64];
    auto [ec, n] =
        co_await socket.async_read_some(asio::buffer(more), asio::as_tuple(asio::use_awaitable));
    if (ec || command.size() > 64) co_return;
    command.append(more, n);
  }
  uint64_t left = 0;
  if (!absl::SimpleAtoi(command.substr(1, command.find('\n') - 1), &left)) co_return;
  static const std::vector<char> kData(kBulkBuffer, 'y');
  while (left > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(left, kData.size()));
    auto [ec, written] = co_await asio::async_write(socket, asio::buffer(kData.data(), n),
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    left -= written;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  char rest[256];
  for (;;) {
    auto [ec, n] =
        co_await socket.async_read_some(asio::buffer(rest), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
}

asio::awaitable<void> Echo(tcp::socket& socket, char* buffer, std::size_t have) {
  for (;;) {
    auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(buffer, have),
                                                          asio::as_tuple(asio::use_awaitable));
    if (write_ec) co_return;
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer, kEchoBuffer),
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    have = n;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

using Clock = std::chrono::steady_clock;

asio::awaitable<void> Serve(tcp::socket socket, Clock::time_point accepted) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  char first[kEchoBuffer];
  auto [ec, n] = co_await socket.async_read_some(asio::buffer(first, sizeof(first)),
                                                 asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  if (first[0] == 'S') {
    co_await Sink(socket, n - 1);
  } else if (first[0] == 'G') {
    co_await Generate(socket, std::string(first, n));
  } else if (first[0] == 'T') {
    const std::string stamp = absl::StrCat(
        std::chrono::duration_cast<std::chrono::nanoseconds>(accepted.time_since_epoch()).count(),
        "\n");
    auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(stamp),
                                                          asio::as_tuple(asio::use_awaitable));
    if (write_ec) co_return;
    std::memmove(first, first + 1, n - 1);
    co_await Echo(socket, first, n - 1);
  } else {
    co_await Echo(socket, first, n);
  }
  socket.close(ignored);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    const Clock::time_point accepted = Clock::now();
    if (ec) {
      std::cerr << "bench_upstream: accept: " << ec.message() << "\n";
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket), accepted), asio::detached);
  }
}

int Main(int argc, char** argv) {
  flags::Invocation run = flags::ParseProgramCommandLine(
      {.program = "bench_upstream", .usage = kUsage, .flags = kFlags}, flags::Arguments(argc, argv),
      std::cout, std::cerr);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  const std::string listen = cl.Value("listen", "127.0.0.1:0");
  const std::size_t colon = listen.rfind(':');
  int port = -1;
  boost::system::error_code ec;
  asio::ip::address address;
  if (colon != std::string::npos) address = asio::ip::make_address(listen.substr(0, colon), ec);
  if (colon == std::string::npos || ec || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    std::cerr << "bench_upstream: --listen must be address:port, e.g. 127.0.0.1:0\n";
    return 2;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  acceptor.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(tcp::endpoint(address, static_cast<unsigned short>(port)), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "bench_upstream: cannot listen on " << listen << ": " << ec.message() << "\n";
    return 1;
  }
  const tcp::endpoint bound = acceptor.local_endpoint();
  std::cerr << "listening on " << bound.address().to_string() << ":" << bound.port() << std::endl;
  asio::co_spawn(io, Accept(acceptor), asio::detached);
  io.run();
  return 0;
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
