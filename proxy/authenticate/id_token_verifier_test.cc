#include "proxy/authenticate/id_token_verifier.h"

#include <functional>
#include <string>

#include "boost/json/array.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const IdTokenExpectations kExpect = {
    .issuer = "https://idp.example.com", .client_id = "postern", .nonce = "n-0S6_WzA2Mj"};

boost::json::object GoodClaims() {
  boost::json::object claims;
  claims["iss"] = "https://idp.example.com";
  claims["sub"] = "user-alice";
  claims["aud"] = "postern";
  claims["exp"] = absl::ToUnixSeconds(kNow) + 3600;
  claims["iat"] = absl::ToUnixSeconds(kNow);
  claims["nonce"] = "n-0S6_WzA2Mj";
  claims["email"] = "alice@example.com";
  claims["name"] = "Alice Example";
  claims["groups"] = boost::json::array{"admins", "developers"};
  return claims;
}

TEST(IdTokenVerifierTest, AcceptsAGoodToken) {
  EXPECT_TRUE(CheckIdTokenClaims(GoodClaims(), kExpect, kNow).ok());
}

TEST(IdTokenVerifierTest, ChecksEachClaim) {
  struct Case {
    const char* name;
    std::function<void(boost::json::object&)> flaw;
    const char* message;  // empty: accepted
  };
  const int64_t now = absl::ToUnixSeconds(kNow);
  const Case cases[] = {
      {"wrong issuer", [](auto& c) { c["iss"] = "https://idp.example.com/wrong-issuer"; },
       "not issued by the configured identity provider"},
      {"issuer with slash", [](auto& c) { c["iss"] = "https://idp.example.com/"; },
       "not issued by the configured"},
      {"no issuer", [](auto& c) { c.erase("iss"); }, "not issued by the configured"},
      {"wrong audience", [](auto& c) { c["aud"] = "postern-other"; }, "for another client"},
      {"audience list without us",
       [](auto& c) {
         c["aud"] = boost::json::array{"a", "b"};
       },
       "for another client"},
      {"no audience", [](auto& c) { c.erase("aud"); }, "for another client"},
      {"audience list with us", [](auto& c) { c["aud"] = boost::json::array{"postern"}; }, ""},
      {"several audiences without azp",
       [](auto& c) {
         c["aud"] = boost::json::array{"postern", "other"};
       },
       "another authorized party"},
      {"several audiences, azp us",
       [](auto& c) {
         c["aud"] = boost::json::array{"other", "postern"};
         c["azp"] = "postern";
       },
       ""},
      {"azp another", [](auto& c) { c["azp"] = "other"; }, "another authorized party"},
      {"azp not a string", [](auto& c) { c["azp"] = 5; }, "another authorized party"},
      {"expired long ago", [now](auto& c) { c["exp"] = now - 3600; }, "has expired"},
      {"expired beyond leeway", [now](auto& c) { c["exp"] = now - 60; }, "has expired"},
      {"expired within leeway", [now](auto& c) { c["exp"] = now - 59; }, ""},
      {"no expiry", [](auto& c) { c.erase("exp"); }, "no valid expiry"},
      {"expiry a string", [](auto& c) { c["exp"] = "2030"; }, "no valid expiry"},
      {"issued in the future", [now](auto& c) { c["iat"] = now + 61; }, "issued in the future"},
      {"issued within leeway", [now](auto& c) { c["iat"] = now + 60; }, ""},
      {"no issue time", [](auto& c) { c.erase("iat"); }, "no valid issue time"},
      {"not valid yet", [now](auto& c) { c["nbf"] = now + 120; }, "not valid yet"},
      {"nbf within leeway", [now](auto& c) { c["nbf"] = now + 30; }, ""},
      {"nonce mismatch", [](auto& c) { c["nonce"] = "n-other"; }, "nonce mismatch"},
      {"nonce prefix", [](auto& c) { c["nonce"] = "n-0S6_WzA2M"; }, "nonce mismatch"},
      {"no nonce", [](auto& c) { c.erase("nonce"); }, "nonce mismatch"},
      {"nonce not a string", [](auto& c) { c["nonce"] = 1; }, "nonce mismatch"},
      {"no subject", [](auto& c) { c.erase("sub"); }, "names no subject"},
      {"empty subject", [](auto& c) { c["sub"] = ""; }, "names no subject"},
  };
  for (const Case& c : cases) {
    boost::json::object claims = GoodClaims();
    c.flaw(claims);
    absl::Status status = CheckIdTokenClaims(claims, kExpect, kNow);
    if (std::string(c.message).empty()) {
      EXPECT_TRUE(status.ok()) << c.name << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << c.name;
      EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.name;
      EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("n-0S6"))) << c.name;
    }
  }
}

TEST(IdTokenVerifierTest, TakesTheIdentity) {
  absl::StatusOr<session::Session> who = IdentityFromClaims(GoodClaims(), "groups");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->subject, "user-alice");
  EXPECT_EQ(who->email, "alice@example.com");
  EXPECT_EQ(who->name, "Alice Example");
  EXPECT_THAT(who->groups, ::testing::ElementsAre("admins", "developers"));

  boost::json::object claims = GoodClaims();
  claims["roles"] = "only-one";
  claims.erase("email");
  who = IdentityFromClaims(claims, "roles");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_THAT(who->groups, ::testing::ElementsAre("only-one"));
  EXPECT_EQ(who->email, "");
  EXPECT_TRUE(IdentityFromClaims(claims, "absent")->groups.empty());

  claims["groups"] = boost::json::array{"a", 1};
  EXPECT_THAT(IdentityFromClaims(claims, "groups").status().message(),
              HasSubstr("jwt_groups_claim"));
  claims = GoodClaims();
  claims["email"] = true;
  EXPECT_FALSE(IdentityFromClaims(claims, "groups").ok());
}

TEST(IdTokenVerifierTest, MergesUserinfoAboutTheSameUser) {
  session::Session identity{.subject = "user-alice"};
  boost::json::object userinfo;
  userinfo["sub"] = "user-alice";
  userinfo["email"] = "alice@example.com";
  userinfo["name"] = "Alice";
  userinfo["groups"] = boost::json::array{"g"};
  ASSERT_TRUE(MergeUserinfo(userinfo, "groups", identity).ok());
  EXPECT_EQ(identity.email, "alice@example.com");
  EXPECT_EQ(identity.name, "Alice");
  EXPECT_THAT(identity.groups, ::testing::ElementsAre("g"));

  session::Session complete{.subject = "user-alice", .email = "kept@example.com"};
  ASSERT_TRUE(MergeUserinfo(userinfo, "groups", complete).ok());
  EXPECT_EQ(complete.email, "kept@example.com");

  userinfo["sub"] = "user-mallory";
  session::Session other{.subject = "user-alice"};
  EXPECT_EQ(MergeUserinfo(userinfo, "groups", other).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(other.email, "");
}

}  // namespace
}  // namespace postern::authenticate
