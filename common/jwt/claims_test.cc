#include "common/jwt/claims.h"

#include <string>
#include <vector>

#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::jwt {
namespace {

using ::testing::ElementsAre;

boost::json::object Claims(const char* json) { return boost::json::parse(json).as_object(); }

TEST(ClaimsTest, Strings) {
  const boost::json::object claims = Claims(R"({"sub":"u1","n":5})");
  EXPECT_EQ(RequiredString(claims, "sub").value(), "u1");
  EXPECT_EQ(OptionalString(claims, "email").value(), std::nullopt);
  EXPECT_EQ(RequiredString(claims, "email").status().message(), "token claim \"email\" is missing");
  EXPECT_EQ(RequiredString(claims, "n").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(OptionalString(claims, "n").status().message(), "token claim \"n\" must be a string");
}

TEST(ClaimsTest, NumericDates) {
  const boost::json::object claims = Claims(
      R"({"int":1700000000,"frac":1700000000.9,"neg":-5,"str":"1700000000","big":18446744073709551615,"huge":1e300,"bool":true})");
  EXPECT_EQ(RequiredNumericDate(claims, "int").value(), absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(RequiredNumericDate(claims, "frac").value(), absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(RequiredNumericDate(claims, "neg").value(), absl::FromUnixSeconds(-5));
  EXPECT_EQ(OptionalNumericDate(claims, "nbf").value(), std::nullopt);
  for (const char* bad : {"str", "big", "huge", "bool", "missing"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(RequiredNumericDate(claims, bad).status().code(), absl::StatusCode::kUnauthenticated);
  }
}

TEST(ClaimsTest, StringLists) {
  const boost::json::object claims =
      Claims(R"({"groups":["a","b"],"one":"solo","null":null,"mixed":["a",1],"obj":{}})");
  EXPECT_THAT(OptionalStringList(claims, "groups").value(), ElementsAre("a", "b"));
  EXPECT_THAT(OptionalStringList(claims, "one").value(), ElementsAre("solo"));
  EXPECT_TRUE(OptionalStringList(claims, "null").value().empty());
  EXPECT_TRUE(OptionalStringList(claims, "absent").value().empty());
  EXPECT_FALSE(OptionalStringList(claims, "mixed").ok());
  EXPECT_FALSE(OptionalStringList(claims, "obj").ok());
}

TEST(ClaimsTest, ValueAsStringsFlattensScalars) {
  const auto strings = [](const char* json) { return ValueAsStrings(boost::json::parse(json)); };
  EXPECT_THAT(strings(R"("eng")").value(), ElementsAre("eng"));
  EXPECT_THAT(strings("42").value(), ElementsAre("42"));
  EXPECT_THAT(strings("-7").value(), ElementsAre("-7"));
  EXPECT_THAT(strings("18446744073709551615").value(), ElementsAre("18446744073709551615"));
  EXPECT_THAT(strings("1.5").value(), ElementsAre("1.5"));
  EXPECT_THAT(strings("true").value(), ElementsAre("true"));
  EXPECT_TRUE(strings("null").value().empty());
  EXPECT_THAT(strings(R"(["a",2,false])").value(), ElementsAre("a", "2", "false"));
  EXPECT_FALSE(strings(R"({"a":1})").ok());
  EXPECT_FALSE(strings(R"([["nested"]])").ok());
  EXPECT_FALSE(strings(R"([{"a":1}])").ok());
}

TEST(ClaimsTest, AudienceStringOrList) {
  EXPECT_TRUE(AudienceContains(Claims(R"({"aud":"postern"})"), "postern"));
  EXPECT_FALSE(AudienceContains(Claims(R"({"aud":"postern"})"), "other"));
  EXPECT_FALSE(AudienceContains(Claims(R"({"aud":"postern-x"})"), "postern"));
  EXPECT_TRUE(AudienceContains(Claims(R"({"aud":["a","postern"]})"), "postern"));
  EXPECT_FALSE(AudienceContains(Claims(R"({"aud":["a",1]})"), "postern"));
  EXPECT_FALSE(AudienceContains(Claims(R"({"aud":[]})"), "postern"));
  EXPECT_FALSE(AudienceContains(Claims(R"({"aud":null})"), "postern"));
  EXPECT_FALSE(AudienceContains(Claims(R"({})"), "postern"));
}

}  // namespace
}  // namespace postern::jwt
