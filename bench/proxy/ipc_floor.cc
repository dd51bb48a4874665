// ipc_floor: the round trip of one small message between two processes over
// loopback TCP, each sleeping in epoll_wait between messages, as
// postern-proxy and postern-authorize do around a Check. It is the floor
// under any Check to a separate process on this machine, so that the cost of
// the Check (docs/PERFORMANCE.md) can be split into what the machine charges
// for two processes talking and what the RPC stack adds on top.
//
//   ipc_floor --round-trips 5000 --bytes 300 --pause-us 0 --placement any
//
// --placement: `any` lets the scheduler place the two processes (it moves
// them between one CPU and two from run to run); `same` pins both to one
// CPU; `split` pins them to two different CPUs. The difference between
// `same` and `split` is what waking a thread on another, idle CPU costs; on
// a virtual machine that is an inter-processor interrupt and a halted vCPU
// resumed by the host.
//
// Prints one JSON line: {"round_trips":N,"bytes":B,"pause_us":P,
// "placement":"any","round_trip_us":{"p50":..,"p90":..,"p99":..,"max":..}}.
// Exit status 0, or 1 when the sockets fail, 2 for bad flags.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/flags/command_line.h"

namespace postern::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: ipc_floor [--round-trips 5000] [--bytes 300] [--pause-us 0]\n"
    "                 [--placement any|same|split]\n"
    "\n"
    "Round trip of one message between two processes over loopback TCP, both\n"
    "sleeping in epoll_wait: the floor under a Check to another process.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "round-trips", .value_name = "N", .help = "measured round trips; 5000"},
    {.name = "bytes", .value_name = "B", .help = "message size, 1-4096; 300 (about a Check)"},
    {.name = "pause-us", .value_name = "P", .help = "idle time before each round trip; 0"},
    {.name = "placement",
     .value_name = "P",
     .help = "any (the scheduler's), same (one CPU) or split (two CPUs); any"},
    {.name = "help", .help = "print this help"},
};

constexpr int kMaxBytes = 4096;

// Blocks in epoll_wait until `epoll` reports its one descriptor readable.
void AwaitReadable(int epoll) {
  epoll_event event{};
  while (epoll_wait(epoll, &event, 1, -1) < 0) {
  }
}

int EpollFor(int fd) {
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{.events = EPOLLIN, .data = {.fd = fd}};
  if (epoll < 0 || epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) return -1;
  return epoll;
}

void NoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// The other process: answers every message with the same bytes.
[[noreturn]] void Echo(sockaddr_in address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) _exit(1);
  NoDelay(fd);
  const int epoll = EpollFor(fd);
  if (epoll < 0) _exit(1);
  char buffer[kMaxBytes];
  for (;;) {
    AwaitReadable(epoll);
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) _exit(0);
    if (write(fd, buffer, static_cast<size_t>(n)) != n) _exit(1);
  }
}

double Percentile(const std::vector<double>& sorted, double p) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(sorted.size() * p))];
}

// The CPUs this process may run on, in order.
std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

int Run(int round_trips, int bytes, int pause_us, const std::string& placement) {
  // Which CPU each process is pinned to; -1: not pinned.
  int parent_cpu = -1, child_cpu = -1;
  if (placement != "any") {
    const std::vector<int> cpus = AllowedCpus();
    if (cpus.empty() || (placement == "split" && cpus.size() < 2)) {
      std::cerr << "ipc_floor: --placement " << placement << " needs "
                << (placement == "split" ? "two CPUs" : "a CPU") << " to run on\n";
      return 1;
    }
    parent_cpu = cpus[0];
    child_cpu = placement == "split" ? cpus[1] : cpus[0];
  }
  if (parent_cpu >= 0 && !PinTo(parent_cpu)) {
    std::perror("ipc_floor: sched_setaffinity");
    return 1;
  }
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  socklen_t length = sizeof address;
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("ipc_floor: listen");
    return 1;
  }
  const pid_t child = fork();
  if (child < 0) {
    std::perror("ipc_floor: fork");
    return 1;
  }
  if (child == 0) {
    if (child_cpu >= 0 && !PinTo(child_cpu)) _exit(1);
    Echo(address);
  }
  const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  const int epoll = fd < 0 ? -1 : EpollFor(fd);
  if (epoll < 0) {
    std::perror("ipc_floor: accept");
    return 1;
  }
  NoDelay(fd);
  std::string message(static_cast<size_t>(bytes), 'c');
  char buffer[kMaxBytes];
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(round_trips));
  const int warmup = std::min(round_trips / 10 + 1, 500);
  for (int i = 0; i < warmup + round_trips; ++i) {
    if (pause_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
    const Clock::time_point start = Clock::now();
    if (write(fd, message.data(), message.size()) != static_cast<ssize_t>(message.size())) {
      std::perror("ipc_floor: write");
      return 1;
    }
    for (int got = 0; got < bytes;) {
      AwaitReadable(epoll);
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) {
        std::cerr << "ipc_floor: the echo process went away\n";
        return 1;
      }
      got += static_cast<int>(n);
    }
    if (i >= warmup) {
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  }
  close(fd);
  waitpid(child, nullptr, 0);
  std::sort(micros.begin(), micros.end());
  std::cout << absl::StrFormat(
      "{\"round_trips\":%d,\"bytes\":%d,\"pause_us\":%d,\"placement\":\"%s\",\"round_trip_us\":{"
      "\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f}}\n",
      round_trips, bytes, pause_us, placement, Percentile(micros, 0.5), Percentile(micros, 0.9),
      Percentile(micros, 0.99), micros.back());
  return 0;
}

// A whole number in [low, high] from `flag`, or `fallback` when absent.
bool IntFlag(const flags::CommandLine& cl, const std::string& flag, int fallback, int low, int high,
             int* value) {
  *value = fallback;
  if (!cl.Has(flag)) return true;
  if (absl::SimpleAtoi(cl.Value(flag), value) && *value >= low && *value <= high) return true;
  std::cerr << absl::StrCat("ipc_floor: --", flag, " must be a whole number from ", low, " to ",
                            high, "\n");
  return false;
}

int Main(int argc, char** argv) {
  absl::StatusOr<flags::CommandLine> cl =
      flags::CommandLine::Parse(flags::Arguments(argc, argv), kFlags);
  if (!cl.ok()) {
    std::cerr << "ipc_floor: " << cl.status().message() << "\n" << kUsage << "\n";
    return 2;
  }
  if (cl->Has("help")) {
    std::cout << flags::Help(kUsage, kFlags);
    return 0;
  }
  int round_trips = 0, bytes = 0, pause_us = 0;
  if (!IntFlag(*cl, "round-trips", 5000, 1, 10'000'000, &round_trips) ||
      !IntFlag(*cl, "bytes", 300, 1, kMaxBytes, &bytes) ||
      !IntFlag(*cl, "pause-us", 0, 0, 1'000'000, &pause_us)) {
    return 2;
  }
  const std::string placement = cl->Value("placement", "any");
  if (placement != "any" && placement != "same" && placement != "split") {
    std::cerr << "ipc_floor: --placement must be any, same or split, not " << placement << "\n";
    return 2;
  }
  return Run(round_trips, bytes, pause_us, placement);
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
