#include "proxy/authenticate/provider_metadata.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

using ::testing::HasSubstr;

constexpr char kDocument[] = R"({
  "issuer": "https://idp.example.com",
  "authorization_endpoint": "https://idp.example.com/authorize",
  "token_endpoint": "https://idp.example.com/token",
  "jwks_uri": "https://idp.example.com/jwks",
  "userinfo_endpoint": "https://idp.example.com/userinfo",
  "code_challenge_methods_supported": ["plain", "S256"],
  "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]
})";

std::string With(std::string_view from, std::string_view to) {
  std::string document = kDocument;
  const size_t at = document.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return document.replace(at, from.size(), to);
}

TEST(ProviderMetadataTest, ReadsTheEndpoints) {
  absl::StatusOr<ProviderMetadata> m = ParseDiscoveryDocument(kDocument, "https://idp.example.com");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->issuer, "https://idp.example.com");
  EXPECT_EQ(m->authorization_endpoint, "https://idp.example.com/authorize");
  EXPECT_EQ(m->token_endpoint, "https://idp.example.com/token");
  EXPECT_EQ(m->jwks_uri, "https://idp.example.com/jwks");
  EXPECT_EQ(m->userinfo_endpoint, "https://idp.example.com/userinfo");
  EXPECT_EQ(m->client_auth, ClientAuthMethod::kClientSecretBasic);
  EXPECT_TRUE(ParseDiscoveryDocument(kDocument, "https://idp.example.com/").ok());
}

TEST(ProviderMetadataTest, ChoosesTheClientAuthentication) {
  auto method = [](std::string_view list) {
    return ParseDiscoveryDocument(With(R"(["client_secret_post", "client_secret_basic"])", list),
                                  "https://idp.example.com")
        ->client_auth;
  };
  EXPECT_EQ(method(R"(["client_secret_post"])"), ClientAuthMethod::kClientSecretPost);
  EXPECT_EQ(method(R"(["client_secret_basic"])"), ClientAuthMethod::kClientSecretBasic);
  EXPECT_EQ(method(R"(["none"])"), ClientAuthMethod::kClientSecretBasic);
  EXPECT_EQ(method(R"(["private_key_jwt", "client_secret_post"])"),
            ClientAuthMethod::kClientSecretPost);
  EXPECT_EQ(method("null"), ClientAuthMethod::kClientSecretBasic);
}

TEST(ProviderMetadataTest, RefusesAnotherIssuer) {
  for (const char* configured : {"https://idp.example.com/tenant", "https://IDP.example.com",
                                 "http://idp.example.com", "https://idp.example.com//"}) {
    absl::StatusOr<ProviderMetadata> m = ParseDiscoveryDocument(kDocument, configured);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << configured;
    EXPECT_THAT(m.status().message(), HasSubstr("differs from idp_provider_url")) << configured;
  }
}

TEST(ProviderMetadataTest, RefusesUnsafeOrMissingEndpoints) {
  struct Case {
    std::string document;
    const char* message;
  };
  for (const Case& c : {
           Case{With("https://idp.example.com/token", "http://idp.example.com/token"),
                "token_endpoint must be an https URL"},
           Case{With("https://idp.example.com/jwks", "https://user@idp.example.com/jwks"),
                "jwks_uri must be an https URL"},
           Case{With(R"("jwks_uri")", R"("jwks")"), "jwks_uri is missing"},
           Case{With(R"("https://idp.example.com/authorize")", "42"),
                "authorization_endpoint must be a string"},
           Case{With(R"(["plain", "S256"])", R"(["plain"])"), "does not include S256"},
           Case{With(R"(["plain", "S256"])", R"("S256")"), "must be a list"},
           Case{"[]", "must be a JSON object"},
           Case{"{", "not valid JSON"},
           Case{R"({"issuer": "https://idp.example.com", "issuer": "https://evil"})", "duplicate"},
       }) {
    absl::StatusOr<ProviderMetadata> m =
        ParseDiscoveryDocument(c.document, "https://idp.example.com");
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << c.document;
    EXPECT_THAT(m.status().message(), HasSubstr(c.message));
  }
}

TEST(ProviderMetadataTest, PlainHttpOnlyOnThisComputer) {
  EXPECT_TRUE(IsProviderUrl("https://idp.example.com/x"));
  EXPECT_TRUE(IsProviderUrl("http://127.0.0.1:4000/token"));
  EXPECT_TRUE(IsProviderUrl("http://127.9.9.9/token"));
  EXPECT_TRUE(IsProviderUrl("http://localhost:4000/token"));
  EXPECT_TRUE(IsProviderUrl("http://[::1]:4000/token"));
  EXPECT_FALSE(IsProviderUrl("http://idp.example.com/token"));
  EXPECT_FALSE(IsProviderUrl("http://127.0.0.1.nip.io/token"));
  EXPECT_FALSE(IsProviderUrl("http://10.0.0.1/token"));
  EXPECT_FALSE(IsProviderUrl("ftp://127.0.0.1/token"));
  EXPECT_FALSE(IsProviderUrl("/token"));
  EXPECT_FALSE(IsProviderUrl("https://idp.example.com/x#frag"));
}

}  // namespace
}  // namespace postern::authenticate
