#include "proxy/proxy_protocol.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Progress = ProxyHeaderParser::Progress;

// The first bytes of a TLS ClientHello: what follows a header on the wire.
const std::string kTls("\x16\x03\x01\x02\x00", 5);

std::string Be16(std::size_t value) {
  return {static_cast<char>(value >> 8 & 0xFF), static_cast<char>(value & 0xFF)};
}

std::string Tlv(uint8_t type, std::string_view value) {
  return std::string(1, static_cast<char>(type)) + Be16(value.size()) + std::string(value);
}

// V2 builds a v2 header: signature, version/command byte, family byte, and
// `body` with its length.
std::string V2(uint8_t version_command, uint8_t family, std::string_view body) {
  return std::string(kProxyV2Signature) + static_cast<char>(version_command) +
         static_cast<char>(family) + Be16(body.size()) + std::string(body);
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (const int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// 192.0.2.7:51000 -> 198.51.100.1:8443
const std::string kInetBlock = Bytes({192, 0, 2, 7, 198, 51, 100, 1}) + Be16(51000) + Be16(8443);
// [2001:db8::7]:51000 -> [2001:db8::1]:443
const std::string kInet6Block =
    Bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}) +
    Bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) + Be16(51000) + Be16(443);

// A CRC-32C written differently from the parser's (table-driven), checked
// against the standard check value below.
uint32_t TestCrc32c(std::string_view data) {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : data) crc = table[(crc ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// A v2 TCP4 header with `tlvs` and a CRC32C TLV over the whole header.
std::string WithCrc(std::string_view tlvs, bool corrupt = false) {
  std::string header =
      V2(0x21, 0x11, kInetBlock + std::string(tlvs) + Tlv(0x03, std::string(4, '\0')));
  uint32_t crc = TestCrc32c(header);
  if (corrupt) crc ^= 1;
  header.replace(header.size() - 4, 4,
                 Bytes({static_cast<int>(crc >> 24), static_cast<int>(crc >> 16 & 0xFF),
                        static_cast<int>(crc >> 8 & 0xFF), static_cast<int>(crc & 0xFF)}));
  return header;
}

struct Parsed {
  Progress progress;
  std::size_t consumed = 0;  // of the last piece
  ProxyHeader header;
  std::string error;
  std::string end_of_stream;
};

Parsed ParseWhole(std::string_view bytes) {
  ProxyHeaderParser parser;
  const Progress progress = parser.Feed(bytes);
  return {progress, parser.consumed(), parser.header(), parser.error(), parser.EndOfStreamError()};
}

// Feeds one byte at a time until the parser stops asking for more.
Parsed ParseByteByByte(std::string_view bytes) {
  ProxyHeaderParser parser;
  Progress progress = Progress::kNeedMore;
  std::size_t fed = 0;
  while (progress == Progress::kNeedMore && fed < bytes.size()) {
    progress = parser.Feed(bytes.substr(fed++, 1));
  }
  return {progress, fed, parser.header(), parser.error(), parser.EndOfStreamError()};
}

TEST(Crc32cTest, TestImplementationMatchesTheCheckValue) {
  EXPECT_EQ(TestCrc32c("123456789"), 0xE3069283u);
}

TEST(ProxyHeaderParserTest, V1Tcp4LeavesTheTlsBytesUnconsumed) {
  const std::string header = "PROXY TCP4 192.0.2.7 198.51.100.1 51000 8443\r\n";
  const Parsed parsed = ParseWhole(header + kTls);
  ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
  EXPECT_EQ(parsed.consumed, header.size());
  EXPECT_EQ(parsed.header.version, 1);
  EXPECT_EQ(parsed.header.size, header.size());
  EXPECT_EQ(parsed.header.source, (ProxiedAddress{"192.0.2.7", 51000}));
  EXPECT_EQ(parsed.header.destination, (ProxiedAddress{"198.51.100.1", 8443}));
  EXPECT_EQ(parsed.header.source->ToString(), "192.0.2.7:51000");
}

TEST(ProxyHeaderParserTest, V1Tcp6IsCanonicalised) {
  const Parsed parsed = ParseWhole("PROXY TCP6 2001:DB8:0::7 ::ffff:192.0.2.9 0 65535\r\n");
  ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
  EXPECT_EQ(parsed.header.source, (ProxiedAddress{"2001:db8::7", 0}));
  EXPECT_EQ(parsed.header.destination, (ProxiedAddress{"::ffff:192.0.2.9", 65535}));
  EXPECT_EQ(parsed.header.source->ToString(), "[2001:db8::7]:0");
}

TEST(ProxyHeaderParserTest, V1UnknownKeepsTheConnectionsAddress) {
  for (const std::string header :
       {"PROXY UNKNOWN\r\n",
        // The longest valid header: 107 bytes, the rest of the line ignored.
        "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
        "PROXY UNKNOWN anything at all\r\n"}) {
    SCOPED_TRACE(header);
    const Parsed parsed = ParseWhole(header + kTls);
    ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
    EXPECT_EQ(parsed.consumed, header.size());
    EXPECT_FALSE(parsed.header.source.has_value());
  }
  EXPECT_EQ(std::string("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")
                .size(),
            kMaxProxyV1HeaderBytes);
}

TEST(ProxyHeaderParserTest, V2ProxyIpv4AndIpv6) {
  const std::string v4 = V2(0x21, 0x11, kInetBlock);
  Parsed parsed = ParseWhole(v4 + kTls);
  ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
  EXPECT_EQ(parsed.consumed, v4.size());
  EXPECT_EQ(parsed.header.version, 2);
  EXPECT_EQ(parsed.header.size, 28u);
  EXPECT_EQ(parsed.header.source, (ProxiedAddress{"192.0.2.7", 51000}));
  EXPECT_EQ(parsed.header.destination, (ProxiedAddress{"198.51.100.1", 8443}));

  const std::string v6 = V2(0x21, 0x21, kInet6Block);
  parsed = ParseWhole(v6 + kTls);
  ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
  EXPECT_EQ(parsed.consumed, v6.size());
  EXPECT_EQ(parsed.header.source, (ProxiedAddress{"2001:db8::7", 51000}));
  EXPECT_EQ(parsed.header.destination, (ProxiedAddress{"2001:db8::1", 443}));
}

TEST(ProxyHeaderParserTest, V2LocalUnspecAndUnixKeepTheConnectionsAddress) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"LOCAL, no block", V2(0x20, 0x00, "")},
      // LOCAL must skip whatever length says and ignore the family, even one
      // that PROXY would refuse.
      {"LOCAL with a block", V2(0x20, 0x11, kInetBlock)},
      {"LOCAL with an odd family", V2(0x20, 0x7f, "xyz")},
      {"PROXY UNSPEC", V2(0x21, 0x00, "ignored")},
      {"PROXY UNIX stream", V2(0x21, 0x31, std::string(216, 'u') + Tlv(0x04, ""))},
  };
  for (const auto& [name, header] : cases) {
    SCOPED_TRACE(name);
    const Parsed parsed = ParseWhole(header + kTls);
    ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
    EXPECT_EQ(parsed.consumed, header.size());
    EXPECT_FALSE(parsed.header.source.has_value());
  }
}

TEST(ProxyHeaderParserTest, V2TlvsAreSkipped) {
  const std::string tlvs = Tlv(0x01, "h2") + Tlv(0x02, "redis.corp.example.com") + Tlv(0x04, "") +
                           Tlv(0x05, std::string(128, 'i')) +
                           Tlv(0x20, Bytes({1, 0, 0, 0, 0}) + Tlv(0x21, "TLSv1.3")) +
                           Tlv(0xE0, std::string(1000, 'x'));
  const std::string header = V2(0x21, 0x11, kInetBlock + tlvs);
  const Parsed parsed = ParseWhole(header + kTls);
  ASSERT_EQ(parsed.progress, Progress::kDone) << parsed.error;
  EXPECT_EQ(parsed.consumed, header.size());
  EXPECT_EQ(parsed.header.source, (ProxiedAddress{"192.0.2.7", 51000}));
}

TEST(ProxyHeaderParserTest, V2Crc32cIsVerified) {
  const Parsed good = ParseWhole(WithCrc(Tlv(0x04, "pad")));
  EXPECT_EQ(good.progress, Progress::kDone) << good.error;
  const Parsed bad = ParseWhole(WithCrc(Tlv(0x04, "pad"), /*corrupt=*/true));
  EXPECT_EQ(bad.progress, Progress::kError);
  EXPECT_THAT(bad.error, HasSubstr("CRC32C mismatch"));
}

TEST(ProxyHeaderParserTest, ByteByByteGivesTheSameResultAndStopsAtTheHeadersEnd) {
  for (const std::string& header : {std::string("PROXY TCP4 192.0.2.7 198.51.100.1 51000 8443\r\n"),
                                    std::string("PROXY UNKNOWN\r\n"), V2(0x21, 0x21, kInet6Block),
                                    V2(0x20, 0x00, ""), WithCrc(Tlv(0x05, "id"))}) {
    SCOPED_TRACE(header);
    const Parsed whole = ParseWhole(header + kTls);
    const Parsed pieces = ParseByteByByte(header + kTls);
    ASSERT_EQ(pieces.progress, Progress::kDone) << pieces.error;
    EXPECT_EQ(pieces.consumed, header.size()) << "stopped at the header's last byte";
    EXPECT_EQ(pieces.header.source, whole.header.source);
    EXPECT_EQ(pieces.header.size, whole.header.size);
  }
}

TEST(ProxyHeaderParserTest, FeedAfterTheEndConsumesNothing) {
  ProxyHeaderParser parser;
  EXPECT_EQ(parser.Feed(""), Progress::kNeedMore);
  EXPECT_EQ(parser.Feed("PROXY UNKNOWN\r"), Progress::kNeedMore);
  EXPECT_EQ(parser.consumed(), 14u);
  EXPECT_EQ(parser.Feed("\n" + kTls), Progress::kDone);
  EXPECT_EQ(parser.consumed(), 1u);
  EXPECT_EQ(parser.Feed(kTls), Progress::kDone);
  EXPECT_EQ(parser.consumed(), 0u);

  ProxyHeaderParser refused;
  EXPECT_EQ(refused.Feed(kTls), Progress::kError);
  EXPECT_EQ(refused.Feed("PROXY UNKNOWN\r\n"), Progress::kError);
  EXPECT_EQ(refused.consumed(), 0u);
}

struct Malformed {
  std::string name;
  std::string bytes;
  std::string reason;  // a substring of the error
};

class MalformedHeaderTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedHeaderTest, IsRefusedWithAPreciseReason) {
  const Malformed& c = GetParam();
  for (const Parsed& parsed : {ParseWhole(c.bytes + kTls), ParseByteByByte(c.bytes + kTls)}) {
    ASSERT_EQ(parsed.progress, Progress::kError) << c.name;
    EXPECT_THAT(parsed.error, HasSubstr(c.reason));
    for (const char ch : parsed.error) {
      EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << "unescaped byte in: " << parsed.error;
    }
  }
}

std::string V1(std::string_view rest) { return "PROXY " + std::string(rest) + "\r\n"; }

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedHeaderTest,
    ::testing::ValuesIn(std::vector<Malformed>{
        // Neither version.
        {"TlsClientHello", "", "starts with a TLS handshake"},
        {"Http", "GET / HTTP/1.1\r\n", "does not start with a PROXY protocol header"},
        {"Lowercase", "proxy TCP4", "first byte 0x70"},
        {"ProxPrefix", "PROXX TCP4", "starts with \"PROXX\", not \"PROXY \""},
        {"NoSpace", "PROXY\tTCP4", "starts with \"PROXY\\t\""},
        {"BadSignature", std::string("\r\n\r\n\0\r\nQUIX\n", 12), "nor the v2 signature"},
        // v1.
        {"V1NoCrlf", "PROXY TCP4 " + std::string(120, '1'), "no CRLF within 107 bytes"},
        {"V1TooLong",
         "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n",
         "no CRLF within 107 bytes"},
        {"V1BareLf", "PROXY TCP4 192.0.2.7 198.51.100.1 51000 8443\n", "bare LF at byte 44"},
        {"V1BareCr", "PROXY TCP4 192.0.2.7\r198.51.100.1 51000 8443\r\n", "CR at byte 20"},
        {"V1Udp", V1("UDP4 192.0.2.7 198.51.100.1 51000 8443"), "unknown protocol \"UDP4\""},
        {"V1Empty", V1(""), "unknown protocol \"\""},
        {"V1UnknownSuffix", V1("UNKNOWNX"), "unknown protocol \"UNKNOWNX\""},
        {"V1Binary", V1("\x01\xff"), "unknown protocol \"\\x01\\xff\""},
        {"V1DoubleSpace", V1("TCP4 192.0.2.7  198.51.100.1 51000 8443"), "with single spaces"},
        {"V1MissingPort", V1("TCP4 192.0.2.7 198.51.100.1 51000"), "with single spaces"},
        {"V1ExtraField", V1("TCP4 192.0.2.7 198.51.100.1 51000 8443 x"), "with single spaces"},
        {"V1TrailingSpace", V1("TCP4 192.0.2.7 198.51.100.1 51000 8443 "), "with single spaces"},
        {"V1ShortIpv4", V1("TCP4 192.0.2 198.51.100.1 51000 8443"),
         "source address \"192.0.2\" is not an IPv4 address (protocol TCP4)"},
        {"V1LeadingZeroIpv4", V1("TCP4 010.0.0.1 198.51.100.1 51000 8443"),
         "source address \"010.0.0.1\""},
        {"V1OctetTooLarge", V1("TCP4 192.0.2.7 198.51.100.256 51000 8443"),
         "destination address \"198.51.100.256\" is not an IPv4 address"},
        {"V1Ipv6InTcp4", V1("TCP4 2001:db8::7 198.51.100.1 51000 8443"),
         "source address \"2001:db8::7\" is not an IPv4 address"},
        {"V1Ipv4InTcp6", V1("TCP6 192.0.2.7 2001:db8::1 51000 8443"),
         "source address \"192.0.2.7\" is not an IPv6 address (protocol TCP6)"},
        {"V1BadIpv6", V1("TCP6 2001:db8::g 2001:db8::1 51000 8443"),
         "source address \"2001:db8::g\" is not an IPv6 address"},
        {"V1TwoDoubleColons", V1("TCP6 2001::db8::7 2001:db8::1 51000 8443"),
         "source address \"2001::db8::7\""},
        {"V1PortTooLarge", V1("TCP4 192.0.2.7 198.51.100.1 65536 8443"),
         "source port \"65536\" is not a number 0..65535 without leading zeros"},
        {"V1PortLeadingZero", V1("TCP4 192.0.2.7 198.51.100.1 051000 8443"),
         "source port \"051000\""},
        {"V1PortSign", V1("TCP4 192.0.2.7 198.51.100.1 +80 8443"), "source port \"+80\""},
        {"V1PortNegative", V1("TCP4 192.0.2.7 198.51.100.1 51000 -1"), "destination port \"-1\""},
        {"V1PortHex", V1("TCP4 192.0.2.7 198.51.100.1 51000 0x10"), "destination port \"0x10\""},
        {"V1PortHuge", V1("TCP4 192.0.2.7 198.51.100.1 51000 99999999999"),
         "destination port \"99999999999\""},
        // v2 fixed part.
        {"V2Version1", V2(0x11, 0x11, kInetBlock), "version 1 in byte 13; only version 2 exists"},
        {"V2Version3", V2(0x31, 0x11, kInetBlock), "version 3 in byte 13"},
        {"V2Command2", V2(0x22, 0x11, kInetBlock), "unknown command 0x02"},
        {"V2CommandF", V2(0x2f, 0x11, kInetBlock), "unknown command 0x0f"},
        {"V2Family4", V2(0x21, 0x41, kInetBlock), "unknown address family in byte 14 (0x41)"},
        {"V2Transport3", V2(0x21, 0x13, kInetBlock),
         "unknown transport protocol in byte 14 (0x13)"},
        {"V2Udp4", V2(0x21, 0x12, kInetBlock), "a datagram connection (byte 14 is 0x12)"},
        {"V2Udp6", V2(0x21, 0x22, kInet6Block), "a datagram connection"},
        {"V2UnixDgram", V2(0x21, 0x32, std::string(216, 'u')), "a datagram connection"},
        {"V2InetUnspecTransport", V2(0x21, 0x10, kInetBlock), "must both be UNSPEC or neither"},
        {"V2UnspecStream", V2(0x21, 0x01, ""), "must both be UNSPEC or neither"},
        // v2 lengths that lie.
        {"V2Ipv4Short", V2(0x21, 0x11, kInetBlock.substr(0, 8)),
         "length 8 is too short for the IPv4 address block (12 bytes)"},
        {"V2Ipv6Short", V2(0x21, 0x21, kInetBlock),
         "length 12 is too short for the IPv6 address block (36 bytes)"},
        {"V2UnixShort", V2(0x21, 0x31, std::string(100, 'u')),
         "length 100 is too short for the UNIX address block (216 bytes)"},
        {"V2TlvOverruns", V2(0x21, 0x11, kInetBlock + Bytes({0x02, 0x00, 0x0a}) + "abcd"),
         "TLV 0x02 at byte 28 claims 10 bytes, but the header has 4 left"},
        {"V2TlvHeaderCut", V2(0x21, 0x11, kInetBlock + Tlv(0x04, "") + Bytes({0x01, 0x00})),
         "2 stray bytes after the last TLV at byte 31"},
        {"V2CrcWrongSize", V2(0x21, 0x11, kInetBlock + Tlv(0x03, "abc")),
         "CRC32C TLV has 3 bytes, not 4"},
        {"V2TwoCrcs", V2(0x21, 0x11, kInetBlock + Tlv(0x03, "abcd") + Tlv(0x03, "abcd")),
         "more than one CRC32C TLV"},
        {"V2CrcMismatch", WithCrc("", /*corrupt=*/true), "CRC32C mismatch"},
    }),
    [](const ::testing::TestParamInfo<Malformed>& info) { return info.param.name; });

TEST(ProxyHeaderParserTest, TruncatedHeadersNeedMoreAndSayWhatIsMissing) {
  const std::string v2 = V2(0x21, 0x11, kInetBlock + Tlv(0x04, "123456789"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "connection closed before sending a PROXY protocol header"},
      {"PROX", "connection closed after 4 bytes of a PROXY v1 header, before its CRLF"},
      {"PROXY TCP4 192.0.2.7 198.51.100.1 51000 8443\r",
       "connection closed after 45 bytes of a PROXY v1 header"},
      {v2.substr(0, 15), "after 15 bytes of a PROXY v2 header (16 needed to know its length)"},
      {v2.substr(0, 30), "connection closed after 30 of the 40 bytes of a PROXY v2 header"},
      // The length field claims more than the sender ever sends.
      {V2(0x21, 0x11, kInetBlock).replace(14, 2, Be16(200)),
       "after 28 of the 216 bytes of a PROXY v2 header"},
  };
  for (const auto& [bytes, reason] : cases) {
    SCOPED_TRACE(bytes);
    const Parsed parsed = ParseWhole(bytes);
    EXPECT_EQ(parsed.progress, Progress::kNeedMore);
    EXPECT_EQ(parsed.consumed, bytes.size());
    EXPECT_THAT(parsed.end_of_stream, HasSubstr(reason));
  }
}

TEST(ProxyHeaderParserTest, ErrorsNeverEchoMoreThanTheLine) {
  const Parsed parsed = ParseWhole(V1("TCP4 " + std::string(90, 'a')) + "secret after the header");
  ASSERT_EQ(parsed.progress, Progress::kError);
  EXPECT_THAT(parsed.error, Not(HasSubstr("secret")));
}

}  // namespace
}  // namespace postern::proxy
