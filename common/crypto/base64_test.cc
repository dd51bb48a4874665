#include "common/crypto/base64.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::crypto {
namespace {

using A = Base64Alphabet;
using P = Base64Padding;

// RFC 4648 section 10 vectors, in every spelling.
struct Vector {
  std::string data, standard_padded, url_unpadded;
};

TEST(Base64Test, Rfc4648VectorsRoundTrip) {
  const Vector vectors[] = {
      {"", "", ""},
      {"f", "Zg==", "Zg"},
      {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"},
      {"foob", "Zm9vYg==", "Zm9vYg"},
      {"fooba", "Zm9vYmE=", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
  };
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.data);
    EXPECT_EQ(Base64Encode(v.data), v.standard_padded);
    EXPECT_EQ(Base64UrlEncode(v.data), v.url_unpadded);
    EXPECT_EQ(Base64Decode(v.standard_padded).value(), v.data);
    EXPECT_EQ(Base64UrlDecode(v.url_unpadded).value(), v.data);
    EXPECT_EQ(Base64Decode(v.url_unpadded, A::kUrlSafe, P::kOptional).value(), v.data);
    EXPECT_EQ(Base64Decode(v.standard_padded, A::kStandard, P::kOptional).value(), v.data);
  }
}

TEST(Base64Test, AlphabetsDifferOnlyInTheLastTwoCharacters) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlDecode("-_-_").value(), bytes);
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());
  EXPECT_FALSE(Base64Decode("-_-_").ok());
}

TEST(Base64Test, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t cut = 0; cut < 4; ++cut) {
    const std::string data = bytes.substr(cut);
    EXPECT_EQ(Base64Decode(Base64Encode(data)).value(), data);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(data)).value(), data);
  }
}

TEST(Base64Test, StrictDecodingRejects) {
  struct Case {
    const char* name;
    std::string text;
    A alphabet;
    P padding;
  };
  const Case cases[] = {
      {"whitespace", "Zm9v Yg==", A::kStandard, P::kRequired},
      {"trailing newline", "Zm9vYg==\n", A::kStandard, P::kRequired},
      {"nul byte", std::string("Zm9v\0g==", 8), A::kStandard, P::kRequired},
      {"non-ascii", "Zm9v\xc3\xa9g==", A::kStandard, P::kRequired},
      {"missing padding", "Zm9vYg", A::kStandard, P::kRequired},
      {"too much padding", "Zm9vYg===", A::kStandard, P::kRequired},
      {"padding where none is due", "Zm9v====", A::kStandard, P::kRequired},
      {"one pad where two are due", "Zm9vYg=", A::kStandard, P::kRequired},
      {"padding in the middle", "Zg==Zg==", A::kStandard, P::kRequired},
      {"only padding", "====", A::kStandard, P::kOptional},
      {"lone character", "Zm9vY", A::kUrlSafe, P::kNone},
      {"lone character padded", "Zm9vY===", A::kStandard, P::kOptional},
      {"padding when forbidden", "Zg==", A::kUrlSafe, P::kNone},
      {"non-zero trailing bits (2 chars)", "Zh", A::kUrlSafe, P::kNone},
      {"non-zero trailing bits (3 chars)", "Zm9", A::kUrlSafe, P::kNone},
      {"non-zero trailing bits padded", "Zh==", A::kStandard, P::kRequired},
      {"dot", "Zm9v.mFy", A::kUrlSafe, P::kNone},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::string> decoded = Base64Decode(c.text, c.alphabet, c.padding);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Base64Test, ErrorNamesThePositionNotTheText) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode("abcdSECRET!xyz");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("offset 10"), std::string::npos) << decoded.status();
  EXPECT_EQ(decoded.status().message().find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace postern::crypto
