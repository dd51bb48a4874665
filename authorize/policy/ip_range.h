// IP addresses and CIDR ranges for the `source_ip` policy criterion.
//
// Ranges are parsed once per config snapshot into binary network/mask pairs, so
// a decision costs one address parse and a few integer comparisons:
//
//   absl::StatusOr<IpRange> office = IpRange::Parse("10.0.0.0/8");
//   std::optional<IpAddress> client = IpAddress::Parse("10.1.2.3");
//   bool inside = client && office->Contains(*client);  // true
//
// IPv4 and IPv6 are separate families, as in Go's net package (which is what
// Pomerium's source_ip criterion uses): an IPv4 range never contains an IPv6
// address and `::/0` does not contain IPv4 addresses. An IPv4-mapped IPv6
// address (`::ffff:10.1.2.3`) is treated as the IPv4 address it carries, on
// both sides, because dual-stack sockets report IPv4 clients that way.
#ifndef POSTERN_AUTHORIZE_POLICY_IP_RANGE_H_
#define POSTERN_AUTHORIZE_POLICY_IP_RANGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::authorize {

// One IPv4 or IPv6 address as two big-endian 64-bit halves. IPv4 addresses
// live in the low 32 bits of `low`, with `high` zero.
struct IpAddress {
  enum class Family { kV4, kV6 };

  Family family = Family::kV4;
  uint64_t high = 0;
  uint64_t low = 0;

  // Parse reads a textual address ("192.0.2.7", "2001:db8::1",
  // "::ffff:192.0.2.7"). Returns nullopt for anything else: empty text, a
  // range, a port, a zone index ("fe80::1%eth0"), surrounding spaces.
  static std::optional<IpAddress> Parse(std::string_view text);
};

// A CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32. Immutable; thread-safe.
class IpRange {
 public:
  // Parse reads "address/prefix" or a bare address (a /32 or /128 range).
  // Host bits below the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8), as
  // Go's net.ParseCIDR does. Fails with kInvalidArgument naming the text.
  static absl::StatusOr<IpRange> Parse(std::string_view text);

  // Contains is true when `address` is of the range's family and inside it.
  bool Contains(const IpAddress& address) const {
    return address.family == network_.family && (address.high & mask_high_) == network_.high &&
           (address.low & mask_low_) == network_.low;
  }

 private:
  IpRange(IpAddress network, uint64_t mask_high, uint64_t mask_low)
      : network_(network), mask_high_(mask_high), mask_low_(mask_low) {}

  IpAddress network_;  // already masked
  uint64_t mask_high_;
  uint64_t mask_low_;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_POLICY_IP_RANGE_H_
