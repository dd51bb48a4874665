#include "proxy/proxy_protocol.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/config/absl_view.h"

namespace postern::proxy {
namespace {

using config::AbslView;

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kSignatureBytes = kProxyV2Signature.size();

// v2 byte 13: version (high nibble) and command (low nibble).
constexpr int kCommandLocal = 0x0;
constexpr int kCommandProxy = 0x1;
// v2 byte 14: address family (high nibble) and transport (low nibble).
constexpr int kFamilyUnspec = 0x0;
constexpr int kFamilyInet = 0x1;
constexpr int kFamilyInet6 = 0x2;
constexpr int kFamilyUnix = 0x3;
constexpr int kTransportUnspec = 0x0;
constexpr int kTransportDgram = 0x2;
// Address block sizes by family: two addresses, then two ports for IP.
constexpr std::array<std::size_t, 4> kAddressBlockBytes = {0, 2 * 4 + 2 * 2, 2 * 16 + 2 * 2,
                                                           2 * 108};
constexpr std::array<std::string_view, 4> kFamilyNames = {"UNSPEC", "IPv4", "IPv6", "UNIX"};

constexpr uint8_t kTlvCrc32c = 0x03;
constexpr std::size_t kTlvHeaderBytes = 3;

// Quoted and escaped, so that bytes from the wire cannot break a log line.
std::string Quote(std::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(AbslView(text)), "\"");
}

std::string Hex(uint8_t byte) { return absl::StrFormat("0x%02x", byte); }

uint8_t Byte(const std::string& buffer, std::size_t at) { return static_cast<uint8_t>(buffer[at]); }

uint16_t BigEndian16(const std::string& buffer, std::size_t at) {
  return static_cast<uint16_t>(Byte(buffer, at) << 8 | Byte(buffer, at + 1));
}

// Crc32c is CRC-32C (Castagnoli, RFC 4960 appendix B), bit by bit: headers
// are small and the TLV is rare, so a table is not worth its cache lines.
uint32_t Crc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// AddressText formats `bytes` (4 or 16, network order) canonically.
std::string AddressText(int family, const char* bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, bytes, text, sizeof(text)) == nullptr) return "";
  return text;
}

// ParseV1Address accepts the address forms inet_pton takes, which for IPv4
// is exactly the specification's: four decimal numbers 0..255, no leading
// zeros. Returns the canonical text, or nullopt.
std::optional<std::string> ParseV1Address(int family, std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string terminated(text);
  std::array<char, 16> bytes{};
  if (inet_pton(family, terminated.c_str(), bytes.data()) != 1) return std::nullopt;
  return AddressText(family, bytes.data());
}

// ParseV1Port accepts a decimal 0..65535 without leading zeros.
std::optional<uint16_t> ParseV1Port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::vector<std::string_view> SplitOnSpaces(std::string_view text) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t space = text.find(' ');
    fields.push_back(text.substr(0, space));
    if (space == std::string_view::npos) return fields;
    text.remove_prefix(space + 1);
  }
}

}  // namespace

std::string ProxiedAddress::ToString() const {
  return ip.find(':') != std::string::npos ? absl::StrCat("[", ip, "]:", port)
                                           : absl::StrCat(ip, ":", port);
}

ProxyHeaderParser::Progress ProxyHeaderParser::Feed(std::string_view bytes) {
  consumed_ = 0;
  if (progress_ != Progress::kNeedMore) return progress_;
  for (const char c : bytes) {
    buffer_.push_back(c);
    ++consumed_;
    const Progress progress = header_.version == 0   ? StepUnknown()
                              : header_.version == 1 ? StepV1()
                                                     : StepV2();
    if (progress != Progress::kNeedMore) return progress;
  }
  return Progress::kNeedMore;
}

std::string ProxyHeaderParser::EndOfStreamError() const {
  const std::size_t n = buffer_.size();
  if (n == 0) return "connection closed before sending a PROXY protocol header";
  if (header_.version == 1) {
    return absl::StrCat("connection closed after ", n,
                        " bytes of a PROXY v1 header, before its CRLF");
  }
  if (v2_total_ == 0) {
    return absl::StrCat("connection closed after ", n, " bytes of a PROXY v2 header (",
                        kProxyV2FixedBytes, " needed to know its length)");
  }
  return absl::StrCat("connection closed after ", n, " of the ", v2_total_,
                      " bytes of a PROXY v2 header");
}

ProxyHeaderParser::Progress ProxyHeaderParser::StepUnknown() {
  const uint8_t first = Byte(buffer_, 0);
  if (first == kV1Prefix[0]) {
    header_.version = 1;
    return StepV1();
  }
  if (first == static_cast<uint8_t>(kProxyV2Signature[0])) {
    header_.version = 2;
    return StepV2();
  }
  if (first == 0x16) {
    return Fail(
        "connection starts with a TLS handshake, not a PROXY protocol header: it did not come "
        "through a load balancer sending the PROXY protocol (haproxy: send-proxy-v2), or "
        "proxy_protocol should be false");
  }
  return Fail(
      absl::StrCat("connection does not start with a PROXY protocol header (\"PROXY \" or "
                   "the v2 signature); first byte ",
                   Hex(first)));
}

ProxyHeaderParser::Progress ProxyHeaderParser::StepV1() {
  const std::size_t n = buffer_.size();
  const char last = buffer_.back();
  if (n <= kV1Prefix.size()) {
    if (last != kV1Prefix[n - 1]) {
      return Fail(absl::StrCat("not a PROXY protocol header: starts with ", Quote(buffer_),
                               ", not \"PROXY \""));
    }
    return Progress::kNeedMore;
  }
  if (last == '\n') {
    if (buffer_[n - 2] != '\r') {
      return Fail(
          absl::StrCat("PROXY v1 header: bare LF at byte ", n - 1, "; the line must end in CRLF"));
    }
    return ParseV1Line(std::string_view(buffer_).substr(0, n - 2));
  }
  if (buffer_[n - 2] == '\r') {
    return Fail(absl::StrCat("PROXY v1 header: CR at byte ", n - 2, " not followed by LF"));
  }
  if (n >= kMaxProxyV1HeaderBytes) {
    return Fail(absl::StrCat("PROXY v1 header: no CRLF within ", kMaxProxyV1HeaderBytes,
                             " bytes (the longest valid header)"));
  }
  return Progress::kNeedMore;
}

ProxyHeaderParser::Progress ProxyHeaderParser::ParseV1Line(std::string_view line) {
  const std::vector<std::string_view> fields = SplitOnSpaces(line.substr(kV1Prefix.size()));
  const std::string_view protocol = fields[0];
  if (protocol == "UNKNOWN") return Finish();  // the rest of the line is to be ignored
  if (protocol != "TCP4" && protocol != "TCP6") {
    return Fail(absl::StrCat("PROXY v1 header: unknown protocol ", Quote(protocol),
                             "; expected TCP4, TCP6 or UNKNOWN"));
  }
  bool empty_field = false;
  for (const std::string_view field : fields) empty_field = empty_field || field.empty();
  if (fields.size() != 5 || empty_field) {
    return Fail(absl::StrCat("PROXY v1 header: expected \"PROXY ", AbslView(protocol),
                             " <source> <destination> <source port> <destination port>\" with "
                             "single spaces, got ",
                             Quote(line)));
  }
  const int family = protocol == "TCP4" ? AF_INET : AF_INET6;
  const std::string_view family_name = protocol == "TCP4" ? "IPv4" : "IPv6";
  std::optional<std::string> source = ParseV1Address(family, fields[1]);
  std::optional<std::string> destination = ParseV1Address(family, fields[2]);
  const std::optional<uint16_t> source_port = ParseV1Port(fields[3]);
  const std::optional<uint16_t> destination_port = ParseV1Port(fields[4]);
  const auto bad_address = [&](std::string_view which, std::string_view text) {
    return Fail(absl::StrCat("PROXY v1 header: ", AbslView(which), " address ", Quote(text),
                             " is not an ", AbslView(family_name), " address (protocol ",
                             AbslView(protocol), ")"));
  };
  const auto bad_port = [&](std::string_view which, std::string_view text) {
    return Fail(absl::StrCat("PROXY v1 header: ", AbslView(which), " port ", Quote(text),
                             " is not a number 0..65535 without leading zeros"));
  };
  if (!source) return bad_address("source", fields[1]);
  if (!destination) return bad_address("destination", fields[2]);
  if (!source_port) return bad_port("source", fields[3]);
  if (!destination_port) return bad_port("destination", fields[4]);
  header_.source = ProxiedAddress{.ip = std::move(*source), .port = *source_port};
  header_.destination = ProxiedAddress{.ip = std::move(*destination), .port = *destination_port};
  return Finish();
}

ProxyHeaderParser::Progress ProxyHeaderParser::StepV2() {
  const std::size_t n = buffer_.size();
  const uint8_t last = Byte(buffer_, n - 1);
  if (n <= kSignatureBytes) {
    if (last != static_cast<uint8_t>(kProxyV2Signature[n - 1])) {
      return Fail(absl::StrCat("not a PROXY protocol header: starts with ", Quote(buffer_),
                               ", neither \"PROXY \" nor the v2 signature"));
    }
    return Progress::kNeedMore;
  }
  if (n == kSignatureBytes + 1) {
    if (last >> 4 != 2) {
      return Fail(absl::StrCat("PROXY v2 header: version ", last >> 4,
                               " in byte 13; only version 2 exists"));
    }
    if ((last & 0xF) != kCommandLocal && (last & 0xF) != kCommandProxy) {
      return Fail(absl::StrCat("PROXY v2 header: unknown command ", Hex(last & 0xF),
                               "; expected 0x00 (LOCAL) or 0x01 (PROXY)"));
    }
    return Progress::kNeedMore;
  }
  const bool local = (Byte(buffer_, kSignatureBytes) & 0xF) == kCommandLocal;
  if (n == kSignatureBytes + 2) {
    // LOCAL ignores the family: the balancer speaks for itself.
    if (local) return Progress::kNeedMore;
    const int family = last >> 4;
    const int transport = last & 0xF;
    if (family > kFamilyUnix) {
      return Fail(
          absl::StrCat("PROXY v2 header: unknown address family in byte 14 (", Hex(last), ")"));
    }
    if (transport > kTransportDgram) {
      return Fail(
          absl::StrCat("PROXY v2 header: unknown transport protocol in byte 14 (", Hex(last), ")"));
    }
    if (transport == kTransportDgram) {
      return Fail(absl::StrCat("PROXY v2 header: a datagram connection (byte 14 is ", Hex(last),
                               "); this listener is TCP"));
    }
    if ((family == kFamilyUnspec) != (transport == kTransportUnspec)) {
      return Fail(absl::StrCat("PROXY v2 header: family and transport in byte 14 (", Hex(last),
                               ") must both be UNSPEC or neither"));
    }
    return Progress::kNeedMore;
  }
  if (n == kProxyV2FixedBytes) {
    const std::size_t length = BigEndian16(buffer_, kProxyV2FixedBytes - 2);
    v2_total_ = kProxyV2FixedBytes + length;
    const int family = Byte(buffer_, kSignatureBytes + 1) >> 4;
    if (!local && length < kAddressBlockBytes[family]) {
      return Fail(absl::StrCat("PROXY v2 header: length ", length, " is too short for the ",
                               AbslView(kFamilyNames[family]), " address block (",
                               kAddressBlockBytes[family], " bytes)"));
    }
  }
  if (n == v2_total_) return ParseV2Body();
  return Progress::kNeedMore;
}

ProxyHeaderParser::Progress ProxyHeaderParser::ParseV2Body() {
  if ((Byte(buffer_, kSignatureBytes) & 0xF) == kCommandLocal) return Finish();
  const int family = Byte(buffer_, kSignatureBytes + 1) >> 4;
  // UNSPEC: the block's layout is unknown, so nothing in it can be read.
  if (family == kFamilyUnspec) return Finish();
  const std::size_t start = kProxyV2FixedBytes;
  if (family == kFamilyInet || family == kFamilyInet6) {
    const int af = family == kFamilyInet ? AF_INET : AF_INET6;
    const std::size_t size = family == kFamilyInet ? 4 : 16;
    const std::size_t ports = start + 2 * size;
    header_.source = ProxiedAddress{.ip = AddressText(af, buffer_.data() + start),
                                    .port = BigEndian16(buffer_, ports)};
    header_.destination = ProxiedAddress{.ip = AddressText(af, buffer_.data() + start + size),
                                         .port = BigEndian16(buffer_, ports + 2)};
  }
  std::size_t at = start + kAddressBlockBytes[family];
  std::optional<std::size_t> crc_at;
  while (at < buffer_.size()) {
    const std::size_t left = buffer_.size() - at;
    if (left < kTlvHeaderBytes) {
      return Fail(absl::StrCat("PROXY v2 header: ", left,
                               " stray bytes after the last TLV at byte ", at,
                               " (a TLV takes at least 3)"));
    }
    const uint8_t type = Byte(buffer_, at);
    const std::size_t value_length = BigEndian16(buffer_, at + 1);
    if (value_length > left - kTlvHeaderBytes) {
      return Fail(absl::StrCat("PROXY v2 header: TLV ", Hex(type), " at byte ", at, " claims ",
                               value_length, " bytes, but the header has ", left - kTlvHeaderBytes,
                               " left"));
    }
    if (type == kTlvCrc32c) {
      if (value_length != 4) {
        return Fail(
            absl::StrCat("PROXY v2 header: CRC32C TLV has ", value_length, " bytes, not 4"));
      }
      if (crc_at.has_value()) return Fail("PROXY v2 header: more than one CRC32C TLV");
      crc_at = at + kTlvHeaderBytes;
    }
    at += kTlvHeaderBytes + value_length;
  }
  if (crc_at.has_value()) {
    const uint32_t stated = static_cast<uint32_t>(BigEndian16(buffer_, *crc_at)) << 16 |
                            BigEndian16(buffer_, *crc_at + 2);
    std::string zeroed = buffer_;
    zeroed.replace(*crc_at, 4, 4, '\0');
    const uint32_t computed = Crc32c(zeroed);
    if (stated != computed) {
      return Fail(
          absl::StrFormat("PROXY v2 header: CRC32C mismatch (header says 0x%08x, bytes give "
                          "0x%08x)",
                          stated, computed));
    }
  }
  return Finish();
}

ProxyHeaderParser::Progress ProxyHeaderParser::Fail(std::string reason) {
  error_ = std::move(reason);
  progress_ = Progress::kError;
  return progress_;
}

ProxyHeaderParser::Progress ProxyHeaderParser::Finish() {
  header_.size = buffer_.size();
  progress_ = Progress::kDone;
  return progress_;
}

}  // namespace postern::proxy
