#include "proxy/authenticate/pkce.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace postern::authenticate {
namespace {

// RFC 7636 appendix B.
TEST(PkceTest, MatchesTheRfcExample) {
  EXPECT_EQ(CodeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(PkceTest, VerifiersAreFreshAndWellFormed) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> verifier = NewCodeVerifier();
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    EXPECT_TRUE(RE2::FullMatch(*verifier, "[A-Za-z0-9._~-]{43,128}")) << *verifier;
    EXPECT_TRUE(seen.insert(*verifier).second);
    EXPECT_EQ(CodeChallengeS256(*verifier).size(), 43u);
  }
}

}  // namespace
}  // namespace postern::authenticate
