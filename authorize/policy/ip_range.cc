#include "authorize/policy/ip_range.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace postern::authorize {
namespace {

constexpr int kV4Bits = 32;
constexpr int kV6Bits = 128;
// An IPv4-mapped IPv6 address is ::ffff:0:0/96 followed by the IPv4 address.
constexpr int kMappedPrefixBits = 96;

uint64_t LoadBigEndian64(const unsigned char* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

bool IsV4Mapped(const unsigned char* bytes) {
  static constexpr unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kPrefix, sizeof(kPrefix)) == 0;
}

// Mask of the top `bits` bits of a 64-bit half; `bits` in [0, 64].
uint64_t TopBits(int bits) { return bits == 0 ? 0 : ~uint64_t{0} << (64 - bits); }

// Parses 1-3 decimal digits, no sign or spaces; -1 when malformed.
int ParsePrefixLength(std::string_view text) {
  if (text.empty() || text.size() > 3) return -1;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton wants a NUL-terminated string; INET6_ADDRSTRLEN bounds any
  // valid textual address, so a longer one is rejected without parsing.
  char buffer[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  unsigned char bytes[16];
  IpAddress address;
  if (inet_pton(AF_INET, buffer, bytes) == 1) {
    address.family = Family::kV4;
    address.low = (uint64_t{bytes[0]} << 24) | (uint64_t{bytes[1]} << 16) |
                  (uint64_t{bytes[2]} << 8) | uint64_t{bytes[3]};
    return address;
  }
  if (inet_pton(AF_INET6, buffer, bytes) != 1) return std::nullopt;
  if (IsV4Mapped(bytes)) {
    address.family = Family::kV4;
    address.low = (uint64_t{bytes[12]} << 24) | (uint64_t{bytes[13]} << 16) |
                  (uint64_t{bytes[14]} << 8) | uint64_t{bytes[15]};
    return address;
  }
  address.family = Family::kV6;
  address.high = LoadBigEndian64(bytes);
  address.low = LoadBigEndian64(bytes + 8);
  return address;
}

absl::StatusOr<IpRange> IpRange::Parse(std::string_view text) {
  const absl::string_view quoted(text.data(), text.size());
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  std::optional<IpAddress> address = IpAddress::Parse(address_text);
  if (!address) {
    return absl::InvalidArgumentError(
        absl::StrCat("source_ip: \"", quoted, "\" is not an IP address or CIDR range"));
  }
  // A mapped IPv6 range counts as its IPv4 range; IpAddress::Parse has already
  // turned the address into IPv4, so only the prefix length needs moving.
  const bool mapped =
      address->family == IpAddress::Family::kV4 && address_text.find(':') != std::string_view::npos;
  int bits = address->family == IpAddress::Family::kV4 && !mapped ? kV4Bits : kV6Bits;
  if (slash != std::string_view::npos) {
    const int prefix = ParsePrefixLength(text.substr(slash + 1));
    if (prefix < 0 || prefix > bits || (mapped && prefix < kMappedPrefixBits)) {
      return absl::InvalidArgumentError(
          absl::StrCat("source_ip: \"", quoted, "\" has an invalid prefix length (want 0-", bits,
                       mapped ? ", at least 96 for an IPv4-mapped range" : "", ")"));
    }
    bits = prefix;
  }
  if (mapped) bits -= kMappedPrefixBits;

  uint64_t mask_high = 0;
  uint64_t mask_low = 0;
  if (address->family == IpAddress::Family::kV4) {
    mask_low = TopBits(bits) >> kV4Bits;  // the top `bits` of the low 32 bits
  } else if (bits <= 64) {
    mask_high = TopBits(bits);
  } else {
    mask_high = ~uint64_t{0};
    mask_low = TopBits(bits - 64);
  }
  IpAddress network = *address;
  network.high &= mask_high;
  network.low &= mask_low;
  return IpRange(network, mask_high, mask_low);
}

}  // namespace postern::authorize
