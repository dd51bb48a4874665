// The `host:port` a CONNECT tunnel is asked to reach, parsed strictly.
//
// Routes are matched by authority, so the proxy, the CLI and the config loader
// must agree on one canonical spelling: host lower-cased, port in decimal
// without leading zeros, IPv6 literals in RFC 5952 form inside brackets.
//
//   absl::StatusOr<Authority> a = ParseAuthority("Redis.Corp.Example.com:6379");
//   // a->host == "redis.corp.example.com", a->port == 6379,
//   // a->ToString() == "redis.corp.example.com:6379"
//   ParseAuthority("[::1]:22")->host == "::1"
#ifndef POSTERN_COMMON_TUNNEL_AUTHORITY_H_
#define POSTERN_COMMON_TUNNEL_AUTHORITY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::tunnel {

struct Authority {
  // A DNS name or IPv4 address, lower-cased; or an IPv6 address in RFC 5952
  // form without its brackets (ready for a resolver).
  std::string host;
  // 1..65535.
  uint16_t port = 0;

  // ToString returns the canonical "host:port", with brackets around an IPv6
  // host: the form routes are keyed by.
  std::string ToString() const;

  friend bool operator==(const Authority&, const Authority&) = default;
};

// ParseAuthority parses `text` as `host:port`, the authority-form of a CONNECT
// request-target. It accepts DNS names and IPv4 addresses (letters, digits,
// '-', '.', '_'; at most 253 characters) and bracketed IPv6 addresses without
// zone ids. It rejects, with kInvalidArgument and a message naming the
// problem: a missing or out-of-range port, an empty host, userinfo ('@'), a
// path, query or fragment, an unbracketed IPv6 address, and any other
// character. Both ParseAuthority("a:1") and ParseAuthority("A:01") give the
// same Authority.
absl::StatusOr<Authority> ParseAuthority(std::string_view text);

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_AUTHORITY_H_
