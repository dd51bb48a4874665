// ipc_floor: the round trip of one small message between two processes on
// this machine, as postern-proxy and postern-authorize exchange a Check:
// over loopback TCP with each side sleeping in epoll_wait (the floor under
// any Check to another process), or through gRPC as a unary call per
// message (what the proxy does) or as messages on one long-lived stream.
// It splits the cost of the Check (docs/PERFORMANCE.md) into what the
// machine charges for two processes talking and what the RPC adds.
//
//   ipc_floor --transport tcp|grpc-unary|grpc-stream --placement any|same|split
//             [--round-trips 5000] [--bytes 300] [--pause-us 0]
//
// --placement: `any` lets the scheduler place the two processes (it moves
// them between one CPU and two from run to run); `same` pins both to one
// CPU; `split` pins them to two different CPUs (gRPC's own threads inherit
// their process's CPU). The difference between `same` and `split` is what
// waking a thread on another, idle CPU costs; on a virtual machine that is
// an inter-processor interrupt and a halted vCPU resumed by the host.
//
// Prints one JSON line: {"transport":"tcp","placement":"any","round_trips":N,
// "bytes":B,"pause_us":P,"round_trip_us":{"p50":..,"p90":..,"p99":..,"max":..}}.
// Exit status 0, or 1 when the exchange fails, 2 for bad flags.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/flags/command_line.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace postern::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: ipc_floor [--transport tcp|grpc-unary|grpc-stream] [--placement any|same|split]\n"
    "                 [--round-trips 5000] [--bytes 300] [--pause-us 0]\n"
    "\n"
    "Round trip of one message between two processes: the floor under a\n"
    "Check to another process, and what gRPC adds to it.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "transport",
     .value_name = "T",
     .help = "tcp (epoll on both sides), grpc-unary (a call per message) or "
             "grpc-stream (one stream); tcp"},
    {.name = "placement",
     .value_name = "P",
     .help = "any (the scheduler's), same (one CPU) or split (two CPUs); any"},
    {.name = "round-trips", .value_name = "N", .help = "measured round trips; 5000"},
    {.name = "bytes", .value_name = "B", .help = "message size, 1-4096; 300 (about a Check)"},
    {.name = "pause-us", .value_name = "P", .help = "idle time before each round trip; 0"},
    {.name = "help", .help = "print this help"},
};

constexpr int kMaxBytes = 4096;
constexpr char kUnaryMethod[] = "/ipc_floor.Echo/Unary";
constexpr char kStreamMethod[] = "/ipc_floor.Echo/Stream";

// One side of the exchange. The child process serves (after fork, so that
// gRPC starts its threads in the process that uses them); the parent
// connects and measures.
class Transport {
 public:
  virtual ~Transport() = default;
  // In the child: listens on a free loopback port, reports it on `ready`,
  // echoes until the parent goes away. Returns the exit status.
  virtual int Serve(int ready) = 0;
  // In the parent: connects to the child's `port`.
  virtual bool Connect(int port) = 0;
  // In the parent: sends `message` and waits until it is back.
  virtual bool RoundTrip(const std::string& message) = 0;
  // In the parent, after the last round trip.
  virtual void Close() {}
};

void Report(int ready, int port) {
  if (write(ready, &port, sizeof port) != sizeof port) _exit(1);
  close(ready);
}

// Plain TCP, each side sleeping in epoll_wait: nothing but the kernel.
class TcpTransport final : public Transport {
 public:
  int Serve(int ready) override {
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = Loopback(0);
    socklen_t length = sizeof address;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return 1;
    }
    Report(ready, ntohs(address.sin_port));
    fd_ = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd_ < 0 || !Watch()) return 1;
    char buffer[kMaxBytes];
    for (;;) {
      AwaitReadable();
      const ssize_t n = read(fd_, buffer, sizeof buffer);
      if (n <= 0) return 0;
      if (write(fd_, buffer, static_cast<size_t>(n)) != n) return 1;
    }
  }

  bool Connect(int port) override {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = Loopback(port);
    return fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
           Watch();
  }

  bool RoundTrip(const std::string& message) override {
    if (write(fd_, message.data(), message.size()) != static_cast<ssize_t>(message.size())) {
      return false;
    }
    char buffer[kMaxBytes];
    for (size_t got = 0; got < message.size();) {
      AwaitReadable();
      const ssize_t n = read(fd_, buffer, sizeof buffer);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  static sockaddr_in Loopback(int port) {
    return sockaddr_in{.sin_family = AF_INET,
                       .sin_port = htons(static_cast<uint16_t>(port)),
                       .sin_addr = {htonl(INADDR_LOOPBACK)}};
  }

  bool Watch() {
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{.events = EPOLLIN, .data = {.fd = fd_}};
    return epoll_ >= 0 && epoll_ctl(epoll_, EPOLL_CTL_ADD, fd_, &event) == 0;
  }

  void AwaitReadable() {
    epoll_event event{};
    while (epoll_wait(epoll_, &event, 1, -1) < 0) {
    }
  }

  int fd_ = -1;
  int epoll_ = -1;
};

grpc::ByteBuffer Bytes(const std::string& data) {
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }

// Waits for the next completion and checks it is `tag` and succeeded.
bool Await(grpc::CompletionQueue& queue, intptr_t tag) {
  void* got = nullptr;
  bool ok = false;
  return queue.Next(&got, &ok) && got == Tag(tag) && ok;
}

// gRPC through the generic API (no generated code), completion queues on
// both sides as in postern. `stream`: one call carries every message;
// otherwise each message is a unary call with a deadline and
// wait_for_ready, as the proxy makes its Check.
class GrpcTransport final : public Transport {
 public:
  explicit GrpcTransport(bool stream) : stream_(stream) {}

  int Serve(int ready) override {
    grpc::AsyncGenericService service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterAsyncGenericService(&service);
    std::unique_ptr<grpc::ServerCompletionQueue> queue = builder.AddCompletionQueue();
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (server == nullptr || port == 0) return 1;
    Report(ready, port);
    // One call at a time: the parent makes one at a time.
    for (;;) {
      grpc::GenericServerContext context;
      grpc::GenericServerAsyncReaderWriter call(&context);
      service.RequestCall(&context, &call, queue.get(), queue.get(), Tag(1));
      if (!Await(*queue, 1)) return 1;
      const bool unary = context.method() == kUnaryMethod;
      for (;;) {
        grpc::ByteBuffer message;
        call.Read(&message, Tag(2));
        if (!Await(*queue, 2)) {  // the client is done sending
          call.Finish(grpc::Status::OK, Tag(3));
          Await(*queue, 3);
          break;
        }
        if (unary) {
          call.WriteAndFinish(message, grpc::WriteOptions(), grpc::Status::OK, Tag(3));
          Await(*queue, 3);
          break;
        }
        call.Write(message, Tag(4));
        if (!Await(*queue, 4)) break;
      }
    }
  }

  bool Connect(int port) override {
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
    if (!stream_) return true;
    stream_call_ = stub_->PrepareCall(&stream_context_, kStreamMethod, &queue_);
    stream_call_->StartCall(Tag(10));
    return Await(queue_, 10);
  }

  bool RoundTrip(const std::string& message) override {
    if (stream_) {
      stream_call_->Write(Bytes(message), Tag(11));
      if (!Await(queue_, 11)) return false;
      grpc::ByteBuffer answer;
      stream_call_->Read(&answer, Tag(12));
      return Await(queue_, 12) && answer.Length() == message.size();
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    context.set_wait_for_ready(true);
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        stub_->PrepareUnaryCall(&context, kUnaryMethod, Bytes(message), &queue_);
    call->StartCall();
    grpc::ByteBuffer answer;
    grpc::Status status;
    call->Finish(&answer, &status, Tag(13));
    return Await(queue_, 13) && status.ok() && answer.Length() == message.size();
  }

  // Ends the stream and drains the queue: gRPC requires both before the
  // objects go.
  void Close() override {
    if (stream_call_ != nullptr) {
      stream_call_->WritesDone(Tag(14));
      Await(queue_, 14);
      grpc::Status status;
      stream_call_->Finish(&status, Tag(15));
      Await(queue_, 15);
    }
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

 private:
  const bool stream_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  grpc::CompletionQueue queue_;
  grpc::ClientContext stream_context_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream_call_;
};

std::unique_ptr<Transport> MakeTransport(const std::string& name) {
  if (name == "tcp") return std::make_unique<TcpTransport>();
  if (name == "grpc-unary") return std::make_unique<GrpcTransport>(/*stream=*/false);
  if (name == "grpc-stream") return std::make_unique<GrpcTransport>(/*stream=*/true);
  return nullptr;
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

double Percentile(const std::vector<double>& sorted, double p) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(sorted.size() * p))];
}

struct Options {
  std::string transport;
  std::string placement;
  int round_trips = 0;
  int bytes = 0;
  int pause_us = 0;
};

int Run(const Options& options) {
  // Which CPU each process is pinned to; -1: not pinned.
  int parent_cpu = -1, child_cpu = -1;
  if (options.placement != "any") {
    const std::vector<int> cpus = AllowedCpus();
    const bool split = options.placement == "split";
    if (cpus.empty() || (split && cpus.size() < 2)) {
      std::cerr << "ipc_floor: --placement " << options.placement << " needs "
                << (split ? "two CPUs" : "a CPU") << " to run on\n";
      return 1;
    }
    parent_cpu = cpus[0];
    child_cpu = split ? cpus[1] : cpus[0];
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    std::perror("ipc_floor: pipe");
    return 1;
  }
  const pid_t child = fork();
  if (child < 0) {
    std::perror("ipc_floor: fork");
    return 1;
  }
  if (child == 0) {
    close(ready[0]);
    if (child_cpu >= 0 && !PinTo(child_cpu)) _exit(1);
    _exit(MakeTransport(options.transport)->Serve(ready[1]));
  }
  close(ready[1]);
  // The child ends with the parent: TCP reads end of stream; a gRPC server
  // is killed below.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{child};
  if (parent_cpu >= 0 && !PinTo(parent_cpu)) {
    std::perror("ipc_floor: sched_setaffinity");
    return 1;
  }
  int port = 0;
  if (read(ready[0], &port, sizeof port) != sizeof port) {
    std::cerr << "ipc_floor: the echo process did not start\n";
    return 1;
  }
  std::unique_ptr<Transport> transport = MakeTransport(options.transport);
  if (!transport->Connect(port)) {
    std::cerr << "ipc_floor: cannot connect to the echo process\n";
    return 1;
  }
  const std::string message(static_cast<size_t>(options.bytes), 'c');
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(options.round_trips));
  const int warmup = std::min(options.round_trips / 10 + 1, 500);
  for (int i = 0; i < warmup + options.round_trips; ++i) {
    if (options.pause_us > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(options.pause_us));
    }
    const Clock::time_point start = Clock::now();
    if (!transport->RoundTrip(message)) {
      std::cerr << "ipc_floor: round trip " << i << " failed\n";
      return 1;
    }
    if (i >= warmup) {
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  }
  transport->Close();
  std::sort(micros.begin(), micros.end());
  std::cout << absl::StrFormat(
      "{\"transport\":\"%s\",\"placement\":\"%s\",\"round_trips\":%d,\"bytes\":%d,"
      "\"pause_us\":%d,\"round_trip_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,"
      "\"max\":%.1f}}\n",
      options.transport, options.placement, options.round_trips, options.bytes, options.pause_us,
      Percentile(micros, 0.5), Percentile(micros, 0.9), Percentile(micros, 0.99), micros.back());
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

// One of `allowed` from `flag`, or the first when absent.
bool ChoiceFlag(const flags::CommandLine& cl, const std::string& flag,
                const std::vector<std::string>& allowed, std::string* value) {
  *value = cl.Value(flag, allowed.front());
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return true;
  std::cerr << "ipc_floor: --" << flag << " must be one of";
  for (const std::string& choice : allowed) std::cerr << " " << choice;
  std::cerr << ", not " << *value << "\n";
  return false;
}

int Main(int argc, char** argv) {
  flags::Invocation run =
      flags::ParseProgramCommandLine({.program = "ipc_floor", .usage = kUsage, .flags = kFlags},
                                     flags::Arguments(argc, argv), std::cout, std::cerr);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  Options options;
  if (!ChoiceFlag(cl, "transport", {"tcp", "grpc-unary", "grpc-stream"}, &options.transport) ||
      !ChoiceFlag(cl, "placement", {"any", "same", "split"}, &options.placement) ||
      !IntFlag(cl, "round-trips", 5000, 1, 10'000'000, &options.round_trips) ||
      !IntFlag(cl, "bytes", 300, 1, kMaxBytes, &options.bytes) ||
      !IntFlag(cl, "pause-us", 0, 0, 1'000'000, &options.pause_us)) {
    return 2;
  }
  // As postern-authorize does: Debian's abseil is built with deadlock
  // detection, which makes every gRPC mutex acquisition update a global graph.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return Run(options);
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
