#include "proxy/authenticate/jwks_cache.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "common/crypto/base64.h"
#include "common/jwt/test_signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

boost::json::object Claims() {
  boost::json::object claims;
  claims["sub"] = "user-alice";
  return claims;
}

// A provider's JWKS endpoint: serves the public keys of `published`, counts
// fetches, or fails when told to.
class FakeJwksEndpoint {
 public:
  std::vector<const jwt::TestSigner*> published;
  absl::Status failure;
  int fetches = 0;

  JwksFetcher Fetcher() {
    return [this]() -> asio::awaitable<absl::StatusOr<std::string>> {
      ++fetches;
      if (!failure.ok()) co_return failure;
      std::vector<std::string> keys;
      for (const jwt::TestSigner* signer : published) keys.push_back(signer->PublicJwk());
      co_return "{\"keys\":[" + absl::StrJoin(keys, ",") + "]}";
    };
  }
};

absl::StatusOr<boost::json::object> Verify(JwksCache& cache, const std::string& token,
                                           absl::Time now) {
  asio::io_context io;
  std::optional<absl::StatusOr<boost::json::object>> result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await cache.Verify(token, now); },
      asio::detached);
  io.run();
  return *result;
}

class JwksCacheTest : public ::testing::Test {
 protected:
  jwt::TestSigner rsa_ = jwt::TestSigner::Rs256("rsa-1");
  jwt::TestSigner ec_ = jwt::TestSigner::Es256("ec-1");
  FakeJwksEndpoint endpoint_;
};

TEST_F(JwksCacheTest, FetchesOnceAndVerifiesBothAlgorithms) {
  endpoint_.published = {&rsa_, &ec_};
  JwksCache cache(endpoint_.Fetcher());
  for (const jwt::TestSigner* signer : {&rsa_, &ec_, &rsa_}) {
    absl::StatusOr<boost::json::object> claims = Verify(cache, signer->Sign(Claims()), kStart);
    ASSERT_TRUE(claims.ok()) << claims.status();
    EXPECT_EQ(claims->at("sub").as_string(), "user-alice");
  }
  EXPECT_EQ(endpoint_.fetches, 1);
}

TEST_F(JwksCacheTest, RefetchesOnceForANewKeyId) {
  endpoint_.published = {&rsa_};
  JwksCache cache(endpoint_.Fetcher());
  ASSERT_TRUE(Verify(cache, rsa_.Sign(Claims()), kStart).ok());
  // The provider rolls its key: the new kid is published, then used.
  jwt::TestSigner rolled = jwt::TestSigner::Rs256("rsa-2");
  endpoint_.published.push_back(&rolled);
  absl::StatusOr<boost::json::object> claims =
      Verify(cache, rolled.Sign(Claims()), kStart + absl::Seconds(11));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(endpoint_.fetches, 2);
}

TEST_F(JwksCacheTest, RateLimitsRefetchesForUnknownKeyIds) {
  endpoint_.published = {&rsa_};
  JwksCache cache(endpoint_.Fetcher(), absl::Seconds(10));
  ASSERT_TRUE(Verify(cache, rsa_.Sign(Claims()), kStart).ok());
  jwt::TestSigner stranger = jwt::TestSigner::Rs256("never-published");
  for (int i = 1; i <= 5; ++i) {
    absl::StatusOr<boost::json::object> claims =
        Verify(cache, stranger.Sign(Claims()), kStart + absl::Seconds(i));
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(claims.status().message(), HasSubstr("does not publish"));
  }
  EXPECT_EQ(endpoint_.fetches, 1) << "no refetch within 10 s of the last one";
  EXPECT_FALSE(Verify(cache, stranger.Sign(Claims()), kStart + absl::Seconds(10)).ok());
  EXPECT_EQ(endpoint_.fetches, 2);
  EXPECT_FALSE(Verify(cache, stranger.Sign(Claims()), kStart + absl::Seconds(15)).ok());
  EXPECT_EQ(endpoint_.fetches, 2);
}

TEST_F(JwksCacheTest, RefusesForgedTokensWithoutRefetching) {
  endpoint_.published = {&rsa_, &ec_};
  JwksCache cache(endpoint_.Fetcher(), absl::ZeroDuration());
  const std::string payload = R"({"sub":"user-alice"})";
  // Signed by another key under a published kid.
  jwt::TestSigner impostor = jwt::TestSigner::Rs256("rsa-1");
  // The header claims ES256 but the kid is the RSA key.
  const std::string forgeries[] = {
      impostor.Sign(Claims()),
      ec_.SignWithHeader(R"({"alg":"ES256","kid":"rsa-1"})", payload),
      rsa_.SignWithHeader(R"({"alg":"none","kid":"rsa-1"})", payload),
      rsa_.SignWithHeader(R"({"alg":"HS256","kid":"rsa-1"})", payload),
      crypto::Base64UrlEncode(R"({"alg":"none"})") + "." + crypto::Base64UrlEncode(payload) + ".",
  };
  for (const std::string& token : forgeries) {
    absl::StatusOr<boost::json::object> claims = Verify(cache, token, kStart);
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << token;
  }
}

TEST_F(JwksCacheTest, ReportsFetchFailuresAndRecovers) {
  endpoint_.published = {&rsa_};
  endpoint_.failure = absl::UnavailableError("idp.example.com:443: connection refused");
  JwksCache cache(endpoint_.Fetcher());
  absl::StatusOr<boost::json::object> claims = Verify(cache, rsa_.Sign(Claims()), kStart);
  EXPECT_EQ(claims.status(), endpoint_.failure);
  endpoint_.failure = absl::OkStatus();
  EXPECT_TRUE(Verify(cache, rsa_.Sign(Claims()), kStart + absl::Seconds(1)).ok());
}

TEST_F(JwksCacheTest, ReportsUnusableKeySets) {
  endpoint_.published = {};
  JwksCache cache(endpoint_.Fetcher());
  absl::StatusOr<boost::json::object> claims = Verify(cache, rsa_.Sign(Claims()), kStart);
  EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(claims.status().message(), HasSubstr("signing keys are unusable"));
}

}  // namespace
}  // namespace postern::authenticate
