// IP addresses and prefixes for the `source_ip` criterion: the one reader the
// config parser validates with and postern-authorize compiles with, so a
// prefix the parser accepted always compiles, to the same range.
//
// A prefix is read once per config snapshot into network/mask halves, so a
// decision costs one address parse and a few integer comparisons:
//
//   absl::StatusOr<IpPrefix> office = ParseIpPrefix("10.0.0.0/8");
//   absl::StatusOr<IpAddress> client = ParseIpAddress("10.1.2.3");
//   bool inside = client.ok() && office->Contains(*client);  // true
//
// IPv4 and IPv6 are separate families, as in Go's net package (which is what
// Pomerium's source_ip criterion uses): an IPv4 prefix never contains an IPv6
// address and `::/0` does not contain IPv4 addresses. An IPv4-mapped IPv6
// address (`::ffff:10.1.2.3`) is the IPv4 address it carries, on both sides,
// because dual-stack listeners report IPv4 peers that way.
#ifndef POSTERN_COMMON_POLICY_IP_PREFIX_H_
#define POSTERN_COMMON_POLICY_IP_PREFIX_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::policy {

// One IPv4 or IPv6 address as two big-endian 64-bit halves. IPv4 addresses
// live in the low 32 bits of `low`, with `high` zero.
struct IpAddress {
  enum class Family { kV4, kV6 };

  Family family = Family::kV4;
  uint64_t high = 0;
  uint64_t low = 0;

  bool operator==(const IpAddress&) const = default;
};

// ParseIpAddress reads one textual address ("192.0.2.7", "2001:db8::1",
// "::ffff:192.0.2.7"; inet_pton rules). Fails with kInvalidArgument for
// anything else: empty text, a prefix, a port, a zone index
// ("fe80::1%eth0"), surrounding spaces, leading zeros ("01.2.3.4").
absl::StatusOr<IpAddress> ParseIpAddress(std::string_view text);

// An address prefix ("10.0.0.0/8", "2001:db8::/32", or one address: a /32 or
// /128). Immutable and cheap to copy; Contains is thread-safe.
class IpPrefix {
 public:
  // Contains is true when `address` is of the prefix's family and inside it.
  bool Contains(const IpAddress& address) const {
    return address.family == network_.family && (address.high & mask_high_) == network_.high &&
           (address.low & mask_low_) == network_.low;
  }

  // length is the number of leading bits that must match, within the family
  // the prefix matches (an IPv4-mapped "::ffff:10.0.0.0/104" has length 8).
  int length() const { return length_; }

 private:
  friend absl::StatusOr<IpPrefix> ParseIpPrefix(std::string_view text);

  IpAddress network_;  // already masked
  uint64_t mask_high_ = 0;
  uint64_t mask_low_ = 0;
  int length_ = 0;
};

// ParseIpPrefix reads "address/length" or a bare address. Host bits past the
// prefix are ignored, as Go's net.ParseCIDR does, so "10.1.2.3/8" is
// 10.0.0.0/8. The length is 1 to 3 decimal digits, at most 32 for IPv4 and
// 128 for IPv6; an IPv4-mapped prefix needs at least /96 (anything shorter
// would reach past the mapped range into other IPv6 addresses). Fails with
// kInvalidArgument quoting the text.
absl::StatusOr<IpPrefix> ParseIpPrefix(std::string_view text);

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_IP_PREFIX_H_
