// tunnel_load: the client side of the proxy benchmark (bench/proxy/run.py).
// It opens tunnels to bench_upstream through one of three paths and measures
// what a user of the tunnel would notice:
//
//   tunnel_load --mode throughput --path connect --target 127.0.0.1:8443
//       --ca-file ca.pem --server-name proxy.bench.example
//       --authority sink.bench.example:9 --token-file token.jwt --bytes 2147483648
//   tunnel_load --mode setup --path tls --target 127.0.0.1:9443 --ca-file ca.pem --count 2000
//   tunnel_load --mode idle --path tcp --target 127.0.0.1:7000 --count 2000  # holds until stdin
//   ends
//
// Paths: `tcp` is a plain TCP connection straight to the upstream (no relay:
// the ceiling); `tls` is TLS to a TLS-terminating relay that connects by
// itself (haproxy `mode tcp`); `connect` is TLS plus an HTTP CONNECT and its
// 200 (postern-proxy). Every TLS handshake is a full one (no session is ever
// offered for resumption), TLS 1.3 with TLS_AES_128_GCM_SHA256 only and
// X25519, ALPN http/1.1, the server certificate verified against --ca-file
// and --server-name: the same work for every relay.
//
// Modes:
//   throughput  one tunnel; `up`: send --bytes to the upstream's sink, which
//               answers with the count it received once the client has
//               half-closed; `down`: the upstream sends --bytes and closes.
//               Timed from the first byte of the command to the last byte.
//   setup       --count tunnels one after another (after --warmup unmeasured
//               ones), each timed from connect() until one byte has made the
//               round trip to the upstream; p50/p90/p99/max, and the phases,
//               among them `upstream`: connect() until the upstream accepted
//               the relay's connection (the upstream says when).
//               --pause-us spaces them out (unmeasured idle time before each):
//               back to back, every relay's threads stay awake; users arrive
//               with gaps, and a relay's latency from idle differs.
//   idle        --count tunnels, each proven live by one byte each way, then
//               held open until standard input ends (the runner measures the
//               relay's memory meanwhile).
//
// Output: one JSON line on stdout (idle: when the tunnels are ready). Exit
// status 0 on success, 1 on a failed tunnel or a short transfer, 2 on bad
// usage. Blocking sockets and threads: one tunnel needs no more, and the
// client must never be the slower end.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/flags/command_line.h"
#include "common/tls/ssl_ptr.h"

namespace postern::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: tunnel_load --mode throughput|setup|idle --path tcp|tls|connect --target ADDR\n"
    "                   [--ca-file PEM --server-name NAME] [--authority HOST:PORT --token-file F]\n"
    "                   [--bytes N --direction up|down]\n"
    "                   [--count N --warmup N --concurrency N --pause-us N]\n"
    "\n"
    "Opens tunnels to bench_upstream directly (tcp), through a TLS relay (tls) or\n"
    "through postern-proxy (connect) and prints one JSON line of measurements.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "mode", .value_name = "MODE", .help = "throughput, setup or idle"},
    {.name = "path", .value_name = "PATH", .help = "tcp, tls or connect"},
    {.name = "target", .value_name = "ADDR", .help = "IPv4 host:port to connect to"},
    {.name = "ca-file", .value_name = "PEM", .help = "CA that signed the relay's certificate"},
    {.name = "server-name", .value_name = "NAME", .help = "SNI and the name verified"},
    {.name = "authority", .value_name = "HOST:PORT", .help = "CONNECT authority (path connect)"},
    {.name = "token-file", .value_name = "FILE", .help = "session token (path connect)"},
    {.name = "bytes", .value_name = "N", .help = "throughput: bytes to move; 1 GiB"},
    {.name = "direction", .value_name = "DIR", .help = "throughput: up (default) or down"},
    {.name = "count", .value_name = "N", .help = "setup/idle: tunnels; 2000"},
    {.name = "warmup", .value_name = "N", .help = "setup: unmeasured tunnels first; 200"},
    {.name = "concurrency", .value_name = "N", .help = "setup/idle: threads opening tunnels; 1"},
    {.name = "pause-us",
     .value_name = "N",
     .help = "setup: idle microseconds before each tunnel; 0"},
    {.name = "help", .help = "print this help"},
};

enum class Path { kTcp, kTls, kConnect };

struct Options {
  std::string mode;
  Path path = Path::kTcp;
  sockaddr_in target{};
  std::string ca_file;
  std::string server_name;
  std::string authority;
  std::string token;
  uint64_t bytes = uint64_t{1} << 30;
  bool up = true;
  int count = 2000;
  int warmup = 200;
  int concurrency = 1;
  int pause_us = 0;
};

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string SslErrors() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof(buffer));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buffer);
  }
  return text.empty() ? "no OpenSSL error queued" : text;
}

// A client TLS context that makes every relay do the same handshake.
absl::StatusOr<tls::SslUniquePtr<SSL_CTX>> NewClientContext(const Options& options) {
  tls::SslUniquePtr<SSL_CTX> owned(SSL_CTX_new(TLS_client_method()));
  if (owned == nullptr) return absl::InternalError(SslErrors());
  SSL_CTX* ctx = owned.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1 ||
      SSL_CTX_set1_groups_list(ctx, "X25519") != 1) {
    return absl::InternalError(absl::StrCat("cannot pin the TLS suite: ", SslErrors()));
  }
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof(kAlpn) - 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ca-file ", options.ca_file, ": ", SslErrors()));
  }
  return owned;
}

// Tunnel: one byte stream to the upstream, over whichever path.
class Tunnel {
 public:
  Tunnel() = default;
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;
  ~Tunnel() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }

  struct Phases {
    Clock::duration tcp{0};    // connect() returned
    Clock::duration tls{0};    // handshake done
    Clock::duration ready{0};  // 200 read (connect); same as tls otherwise
  };

  absl::Status Open(const Options& options, SSL_CTX* ctx, Phases* phases) {
    const Clock::time_point start = Clock::now();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return absl::ResourceExhaustedError(absl::StrCat("socket: ", strerror(errno)));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&options.target),
                  sizeof(options.target)) != 0) {
      return absl::UnavailableError(absl::StrCat("connect: ", strerror(errno)));
    }
    phases->tcp = Clock::now() - start;
    if (options.path != Path::kTcp) {
      ssl_ = SSL_new(ctx);
      if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1 ||
          SSL_set_tlsext_host_name(ssl_, options.server_name.c_str()) != 1 ||
          SSL_set1_host(ssl_, options.server_name.c_str()) != 1) {
        return absl::InternalError(SslErrors());
      }
      if (SSL_connect(ssl_) != 1) {
        return absl::UnavailableError(absl::StrCat("TLS handshake: ", SslErrors()));
      }
    }
    phases->tls = Clock::now() - start;
    if (options.path == Path::kConnect) {
      const std::string request =
          absl::StrCat("CONNECT ", options.authority, " HTTP/1.1\r\nHost: ", options.authority,
                       "\r\nAuthorization: Pomerium ", options.token, "\r\n\r\n");
      if (absl::Status s = WriteAll(request.data(), request.size()); !s.ok()) return s;
      std::string head;
      char c;
      // Byte by byte so no tunnel byte is consumed with the head; the proxy
      // sends the head in one record, so this costs no extra syscalls.
      while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
        absl::StatusOr<size_t> n = Read(&c, 1);
        if (!n.ok()) return n.status();
        if (*n == 0) return absl::UnavailableError("proxy closed before answering CONNECT");
        head.push_back(c);
        if (head.size() > 4096) return absl::UnavailableError("CONNECT answer too long");
      }
      if (head.rfind("HTTP/1.1 200", 0) != 0) {
        return absl::PermissionDeniedError(
            absl::StrCat("CONNECT refused: ", head.substr(0, head.find('\r'))));
      }
    }
    phases->ready = Clock::now() - start;
    return absl::OkStatus();
  }

  absl::Status WriteAll(const char* data, size_t size) {
    while (size > 0) {
      size_t written = 0;
      if (ssl_ != nullptr) {
        if (SSL_write_ex(ssl_, data, size, &written) != 1) {
          return absl::UnavailableError(absl::StrCat("TLS write: ", SslErrors()));
        }
      } else {
        const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EINTR) continue;
          return absl::UnavailableError(absl::StrCat("write: ", strerror(errno)));
        }
        written = static_cast<size_t>(n);
      }
      data += written;
      size -= written;
    }
    return absl::OkStatus();
  }

  // Read returns 0 at the end of the stream.
  absl::StatusOr<size_t> Read(char* data, size_t size) {
    if (ssl_ != nullptr) {
      size_t n = 0;
      if (SSL_read_ex(ssl_, data, size, &n) == 1) return n;
      const int error = SSL_get_error(ssl_, 0);
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      return absl::UnavailableError(absl::StrCat("TLS read: ", SslErrors()));
    }
    for (;;) {
      const ssize_t n = ::recv(fd_, data, size, 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return absl::UnavailableError(absl::StrCat("read: ", strerror(errno)));
    }
  }

  // HalfClose ends the sending side (close_notify, then a FIN); reading
  // goes on.
  void HalfClose() {
    if (ssl_ != nullptr) SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_WR);
  }

  // ReadAll reads until the end of the stream; returns the byte count.
  absl::StatusOr<uint64_t> ReadAll(std::string* keep = nullptr) {
    std::vector<char> buffer(256 * 1024);
    uint64_t total = 0;
    for (;;) {
      absl::StatusOr<size_t> n = Read(buffer.data(), buffer.size());
      if (!n.ok()) return n.status();
      if (*n == 0) return total;
      total += *n;
      if (keep != nullptr && keep->size() < 4096) keep->append(buffer.data(), *n);
    }
  }

  // Echo sends one byte to the upstream's echo and reads it back.
  // Stamp asks bench_upstream when it accepted this tunnel's connection (its
  // steady_clock, which is this machine's CLOCK_MONOTONIC, as ours): one
  // byte there and one line back, the same round trip as Echo.
  absl::StatusOr<Clock::time_point> Stamp() {
    if (absl::Status s = WriteAll("T", 1); !s.ok()) return s;
    std::string line;
    while (line.empty() || line.back() != '\n') {
      char buffer[32];
      absl::StatusOr<size_t> n = Read(buffer, sizeof(buffer));
      if (!n.ok()) return n.status();
      if (*n == 0 || line.size() + *n > 32) {
        return absl::UnavailableError("the upstream's accept time did not come back");
      }
      line.append(buffer, *n);
    }
    int64_t nanoseconds = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &nanoseconds)) {
      return absl::UnavailableError(absl::StrCat("not an accept time: ", line));
    }
    return Clock::time_point(std::chrono::nanoseconds(nanoseconds));
  }

  absl::Status Echo() {
    if (absl::Status s = WriteAll("E", 1); !s.ok()) return s;
    char c = 0;
    absl::StatusOr<size_t> n = Read(&c, 1);
    if (!n.ok()) return n.status();
    if (*n != 1 || c != 'E') return absl::UnavailableError("the echo did not come back");
    return absl::OkStatus();
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

std::string PercentilesJson(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const size_t i = std::min(samples.size() - 1, static_cast<size_t>(q * samples.size()));
    return samples[i];
  };
  double sum = 0;
  for (double s : samples) sum += s;
  return absl::StrFormat(R"({"p50":%.4f,"p90":%.4f,"p99":%.4f,"max":%.4f,"mean":%.4f})", at(0.50),
                         at(0.90), at(0.99), samples.back(), sum / samples.size());
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int Throughput(const Options& options, SSL_CTX* ctx) {
  Tunnel tunnel;
  Tunnel::Phases phases;
  if (absl::Status s = tunnel.Open(options, ctx, &phases); !s.ok()) {
    std::cerr << "tunnel_load: " << s.message() << "\n";
    return 1;
  }
  const double cpu_start = CpuSeconds();
  const Clock::time_point start = Clock::now();
  uint64_t moved = 0;
  if (options.up) {
    // 'S': the upstream counts every byte that follows until the end of the
    // stream, then answers with the count.
    std::vector<char> chunk(256 * 1024, 'x');
    chunk[0] = 'S';
    absl::Status s;
    for (uint64_t left = options.bytes + 1; s.ok() && left > 0;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
      s = tunnel.WriteAll(chunk.data(), n);
      left -= n;
      chunk[0] = 'x';
    }
    if (s.ok()) tunnel.HalfClose();
    std::string answer;
    absl::StatusOr<uint64_t> read = s.ok() ? tunnel.ReadAll(&answer) : s;
    if (!read.ok()) {
      std::cerr << "tunnel_load: " << read.status().message() << "\n";
      return 1;
    }
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(answer), &moved) || moved != options.bytes) {
      std::cerr << "tunnel_load: the upstream received \"" << answer << "\", not " << options.bytes
                << " bytes\n";
      return 1;
    }
  } else {
    const std::string command = absl::StrCat("G", options.bytes, "\n");
    absl::Status s = tunnel.WriteAll(command.data(), command.size());
    absl::StatusOr<uint64_t> read = s.ok() ? tunnel.ReadAll() : s;
    if (!read.ok()) {
      std::cerr << "tunnel_load: " << read.status().message() << "\n";
      return 1;
    }
    moved = *read;
    if (moved != options.bytes) {
      std::cerr << "tunnel_load: received " << moved << " bytes, not " << options.bytes << "\n";
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << absl::StrFormat(R"({"mode":"throughput","direction":"%s","bytes":%d,"seconds":%.4f,)"
                               R"("mib_per_s":%.1f,"client_cpu_s":%.3f})",
                               options.up ? "up" : "down", moved, seconds,
                               moved / seconds / (1 << 20), CpuSeconds() - cpu_start)
            << std::endl;
  return 0;
}

// Runs `body(i)` for i in [0, count) on `threads` threads; the first error
// wins and stops the rest.
absl::Status InParallel(int count, int threads, const std::function<absl::Status(int)>& body) {
  std::atomic<int> next{0};
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        absl::Status s = body(i);
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (first_error.ok()) first_error = s;
          next = count;
        }
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  return first_error;
}

int Setup(const Options& options, SSL_CTX* ctx) {
  std::vector<double> total(options.count), tcp(options.count), tls(options.count),
      ready(options.count), upstream(options.count);
  auto one = [&](int i, bool keep) -> absl::Status {
    if (options.pause_us > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(options.pause_us));
    }
    Tunnel tunnel;
    Tunnel::Phases phases;
    const Clock::time_point start = Clock::now();
    if (absl::Status s = tunnel.Open(options, ctx, &phases); !s.ok()) return s;
    absl::StatusOr<Clock::time_point> accepted = tunnel.Stamp();
    if (!accepted.ok()) return accepted.status();
    const Clock::time_point end = Clock::now();
    if (*accepted < start || *accepted > end) {
      return absl::InternalError("the upstream's accept time is outside this tunnel's setup");
    }
    if (keep) {
      total[i] = Millis(end - start);
      upstream[i] = Millis(*accepted - start);
      tcp[i] = Millis(phases.tcp);
      tls[i] = Millis(phases.tls);
      ready[i] = Millis(phases.ready);
    }
    return absl::OkStatus();
  };
  absl::Status s =
      InParallel(options.warmup, options.concurrency, [&](int i) { return one(i, false); });
  const Clock::time_point start = Clock::now();
  if (s.ok())
    s = InParallel(options.count, options.concurrency, [&](int i) { return one(i, true); });
  if (!s.ok()) {
    std::cerr << "tunnel_load: " << s.message() << "\n";
    return 1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << absl::StrFormat(R"({"mode":"setup","count":%d,"concurrency":%d,"per_s":%.1f,)"
                               R"("total_ms":%s,"tcp_ms":%s,"tls_ms":%s,"ready_ms":%s,)"
                               R"("upstream_ms":%s})",
                               options.count, options.concurrency, options.count / seconds,
                               PercentilesJson(total), PercentilesJson(tcp), PercentilesJson(tls),
                               PercentilesJson(ready), PercentilesJson(upstream))
            << std::endl;
  return 0;
}

int Idle(const Options& options, SSL_CTX* ctx) {
  std::vector<std::unique_ptr<Tunnel>> tunnels(options.count);
  const Clock::time_point start = Clock::now();
  absl::Status s = InParallel(options.count, options.concurrency, [&](int i) {
    auto tunnel = std::make_unique<Tunnel>();
    Tunnel::Phases phases;
    if (absl::Status s = tunnel->Open(options, ctx, &phases); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("tunnel ", i + 1, ": ", s.message()));
    }
    if (absl::Status s = tunnel->Echo(); !s.ok()) return s;
    tunnels[i] = std::move(tunnel);
    return absl::OkStatus();
  });
  if (!s.ok()) {
    std::cerr << "tunnel_load: " << s.message() << "\n";
    return 1;
  }
  std::cout << absl::StrFormat(R"({"mode":"idle","ready":%d,"seconds":%.2f})", options.count,
                               std::chrono::duration<double>(Clock::now() - start).count())
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}

absl::StatusOr<Options> OptionsFrom(const flags::CommandLine& cl) {
  Options options;
  options.mode = cl.Value("mode");
  if (options.mode != "throughput" && options.mode != "setup" && options.mode != "idle") {
    return absl::InvalidArgumentError("--mode must be throughput, setup or idle");
  }
  const std::string path = cl.Value("path");
  if (path == "tcp") {
    options.path = Path::kTcp;
  } else if (path == "tls") {
    options.path = Path::kTls;
  } else if (path == "connect") {
    options.path = Path::kConnect;
  } else {
    return absl::InvalidArgumentError("--path must be tcp, tls or connect");
  }
  const std::string target = cl.Value("target");
  const size_t colon = target.rfind(':');
  int port = 0;
  options.target.sin_family = AF_INET;
  if (colon == std::string::npos || !absl::SimpleAtoi(target.substr(colon + 1), &port) ||
      port < 1 || port > 65535 ||
      inet_pton(AF_INET, target.substr(0, colon).c_str(), &options.target.sin_addr) != 1) {
    return absl::InvalidArgumentError("--target must be an IPv4 address and port, a.b.c.d:port");
  }
  options.target.sin_port = htons(static_cast<uint16_t>(port));
  if (options.path != Path::kTcp) {
    options.ca_file = cl.Value("ca-file");
    options.server_name = cl.Value("server-name");
    if (options.ca_file.empty() || options.server_name.empty()) {
      return absl::InvalidArgumentError("paths tls and connect need --ca-file and --server-name");
    }
  }
  if (options.path == Path::kConnect) {
    options.authority = cl.Value("authority");
    std::ifstream file(cl.Value("token-file"));
    std::ostringstream token;
    token << file.rdbuf();
    options.token = std::string(absl::StripAsciiWhitespace(token.str()));
    if (options.authority.empty() || options.token.empty()) {
      return absl::InvalidArgumentError("path connect needs --authority and a --token-file");
    }
  }
  auto number = [&](const char* flag, uint64_t fallback,
                    uint64_t limit) -> absl::StatusOr<uint64_t> {
    if (!cl.Has(flag)) return fallback;
    uint64_t value = 0;
    if (!absl::SimpleAtoi(cl.Value(flag), &value) || value > limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " must be a number up to ", limit));
    }
    return value;
  };
  absl::StatusOr<uint64_t> bytes = number("bytes", options.bytes, uint64_t{1} << 40);
  absl::StatusOr<uint64_t> count = number("count", options.count, 100000);
  absl::StatusOr<uint64_t> warmup = number("warmup", options.warmup, 100000);
  absl::StatusOr<uint64_t> concurrency = number("concurrency", options.concurrency, 64);
  absl::StatusOr<uint64_t> pause_us = number("pause-us", options.pause_us, 1000000);
  for (const auto* v : {&bytes, &count, &warmup, &concurrency, &pause_us}) {
    if (!v->ok()) return v->status();
  }
  options.bytes = *bytes;
  options.count = static_cast<int>(*count);
  options.warmup = static_cast<int>(*warmup);
  options.concurrency = std::max(1, static_cast<int>(*concurrency));
  options.pause_us = static_cast<int>(*pause_us);
  const std::string direction = cl.Value("direction", "up");
  if (direction != "up" && direction != "down") {
    return absl::InvalidArgumentError("--direction must be up or down");
  }
  options.up = direction == "up";
  if (options.count < 1) return absl::InvalidArgumentError("--count must be at least 1");
  return options;
}

int Main(int argc, char** argv) {
  flags::Invocation run =
      flags::ParseProgramCommandLine({.program = "tunnel_load", .usage = kUsage, .flags = kFlags},
                                     flags::Arguments(argc, argv), std::cout, std::cerr);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  absl::StatusOr<Options> options = OptionsFrom(cl);
  if (!options.ok()) {
    std::cerr << "tunnel_load: " << options.status().message() << "\n" << kUsage << "\n";
    return 2;
  }
  // One descriptor per idle tunnel.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  tls::SslUniquePtr<SSL_CTX> context;  // freed at exit: leak checkers see a clean run
  if (options->path != Path::kTcp) {
    absl::StatusOr<tls::SslUniquePtr<SSL_CTX>> made = NewClientContext(*options);
    if (!made.ok()) {
      std::cerr << "tunnel_load: " << made.status().message() << "\n";
      return 2;
    }
    context = *std::move(made);
  }
  SSL_CTX* ctx = context.get();
  if (options->mode == "throughput") return Throughput(*options, ctx);
  if (options->mode == "setup") return Setup(*options, ctx);
  return Idle(*options, ctx);
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
