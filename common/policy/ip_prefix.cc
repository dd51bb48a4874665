#include "common/policy/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/config/error_text.h"

namespace postern::policy {
namespace {

constexpr int kV4Bits = 32;
constexpr int kV6Bits = 128;
// An IPv4-mapped IPv6 address is ::ffff:0:0/96 followed by the IPv4 address.
constexpr int kMappedPrefixBits = 96;

uint64_t LoadBigEndian(const unsigned char* bytes, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | bytes[i];
  return value;
}

bool IsV4Mapped(const unsigned char* bytes) {
  static constexpr unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kPrefix, sizeof(kPrefix)) == 0;
}

// ReadAddress is ParseIpAddress without the error message, which would be
// wasted inside ParseIpPrefix.
std::optional<IpAddress> ReadAddress(std::string_view text) {
  // inet_pton wants a NUL-terminated string; INET6_ADDRSTRLEN bounds any
  // valid textual address, so a longer one is refused without parsing.
  char buffer[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  unsigned char bytes[16];
  IpAddress address;
  if (inet_pton(AF_INET, buffer, bytes) == 1) {
    address.low = LoadBigEndian(bytes, 4);
    return address;
  }
  if (inet_pton(AF_INET6, buffer, bytes) != 1) return std::nullopt;
  if (IsV4Mapped(bytes)) {
    address.low = LoadBigEndian(bytes + 12, 4);
    return address;
  }
  address.family = IpAddress::Family::kV6;
  address.high = LoadBigEndian(bytes, 8);
  address.low = LoadBigEndian(bytes + 8, 8);
  return address;
}

// Mask of the top `bits` bits of a 64-bit half; `bits` in [0, 64].
uint64_t TopBits(int bits) { return bits == 0 ? 0 : ~uint64_t{0} << (64 - bits); }

// ReadLength parses 1-3 decimal digits, no sign or spaces; -1 when malformed.
int ReadLength(std::string_view text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  if (text.empty() || text.size() > 3 || std::from_chars(text.data(), end, value).ptr != end) {
    return -1;
  }
  return static_cast<int>(value);
}

}  // namespace

absl::StatusOr<IpAddress> ParseIpAddress(std::string_view text) {
  if (std::optional<IpAddress> address = ReadAddress(text)) return *address;
  return absl::InvalidArgumentError(
      absl::StrCat("expected an IPv4 or IPv6 address, got ", config::QuoteForError(text)));
}

absl::StatusOr<IpPrefix> ParseIpPrefix(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const std::optional<IpAddress> address = ReadAddress(address_text);
  if (!address) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an IP address or CIDR such as 192.0.2.0/24 or 2001:db8::/32, got ",
                     config::QuoteForError(text)));
  }
  // A mapped prefix counts as its IPv4 prefix; ReadAddress has already made
  // the address IPv4, so only the length needs moving.
  const bool mapped =
      address->family == IpAddress::Family::kV4 && address_text.find(':') != std::string_view::npos;
  const int max_length = address->family == IpAddress::Family::kV4 && !mapped ? kV4Bits : kV6Bits;
  int length = max_length;
  if (slash != std::string_view::npos) {
    const int min_length = mapped ? kMappedPrefixBits : 0;
    length = ReadLength(text.substr(slash + 1));
    if (length < min_length || length > max_length) {
      return absl::InvalidArgumentError(absl::StrCat(
          "prefix length in ", config::QuoteForError(text), " must be a number from ", min_length,
          " to ", max_length, mapped ? " for an IPv4-mapped address" : ""));
    }
  }
  if (mapped) length -= kMappedPrefixBits;

  IpPrefix prefix;
  prefix.length_ = length;
  if (address->family == IpAddress::Family::kV4) {
    prefix.mask_low_ = TopBits(length) >> kV4Bits;  // the top `length` of the low 32 bits
  } else if (length <= 64) {
    prefix.mask_high_ = TopBits(length);
  } else {
    prefix.mask_high_ = ~uint64_t{0};
    prefix.mask_low_ = TopBits(length - 64);
  }
  prefix.network_ = *address;
  prefix.network_.high &= prefix.mask_high_;
  prefix.network_.low &= prefix.mask_low_;
  return prefix;
}

}  // namespace postern::policy
