// The local address `postern tcp --listen ADDR:PORT` accepts connections on.
//
//   absl::StatusOr<ListenAddress> a = ParseListenAddress("[::1]:0");
//   // a->ip == "::1", a->port == 0 (any free port), a->ToString() == "[::1]:0"
//
// "--listen -" (stdin/stdout) is not an address; the caller handles it first.
#ifndef POSTERN_CLI_LISTEN_ADDRESS_H_
#define POSTERN_CLI_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::cli {

// pomerium-cli's default: loopback only, a port the kernel picks.
inline constexpr char kDefaultListenAddress[] = "127.0.0.1:0";

struct ListenAddress {
  std::string ip;     // an IPv4 or IPv6 literal, without brackets
  uint16_t port = 0;  // 0: any free port

  // ToString returns "ip:port", with brackets around an IPv6 address.
  std::string ToString() const;
};

// ParseListenAddress reads ADDR:PORT where ADDR is an IPv4 literal, a
// bracketed IPv6 literal, or "localhost" (127.0.0.1), and PORT is 0..65535.
// Host names other than localhost are refused (a listener binds addresses,
// and resolving a name to pick one would be a guess). kInvalidArgument with
// a message naming --listen otherwise.
absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace postern::cli

#endif  // POSTERN_CLI_LISTEN_ADDRESS_H_
