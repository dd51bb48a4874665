// What the proxy needs from an OpenID provider's discovery document
// (`<issuer>/.well-known/openid-configuration`, OpenID Connect Discovery 1.0),
// validated before anything is sent to the endpoints it names.
//
//   absl::StatusOr<ProviderMetadata> provider =
//       ParseDiscoveryDocument(body, "https://idp.example.com");
//   provider->token_endpoint    // "https://idp.example.com/oauth2/token"
#ifndef POSTERN_PROXY_AUTHENTICATE_PROVIDER_METADATA_H_
#define POSTERN_PROXY_AUTHENTICATE_PROVIDER_METADATA_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::authenticate {

// How the proxy proves itself to the token endpoint (RFC 6749 section 2.3.1).
enum class ClientAuthMethod {
  kClientSecretBasic,  // Authorization: Basic
  kClientSecretPost,   // client_id and client_secret in the form
};

struct ProviderMetadata {
  std::string issuer;  // exactly as the document says; id_tokens must carry it
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;  // empty if the provider has none
  ClientAuthMethod client_auth = ClientAuthMethod::kClientSecretBasic;
};

// IsProviderUrl reports whether `url` may be used for a provider endpoint:
// an absolute https URL, or http to a loopback host (localhost, 127.0.0.0/8,
// [::1]) for a provider on this machine; never user info or a fragment.
bool IsProviderUrl(std::string_view url);

// ParseDiscoveryDocument reads a discovery document. Requirements:
// - a JSON object whose "issuer" equals `configured_issuer` (a single
//   trailing slash on either side is ignored: config files vary, the
//   comparison is otherwise exact, OpenID Connect Discovery section 4.3);
// - authorization_endpoint, token_endpoint and jwks_uri present, and those
//   and userinfo_endpoint (optional) pass IsProviderUrl;
// - if code_challenge_methods_supported is listed, it includes "S256".
// The client authentication method is client_secret_basic when
// token_endpoint_auth_methods_supported is absent or lists it (the
// specification's default), else client_secret_post if listed, else
// client_secret_basic anyway (oauth2-mock-server lists only "none" yet
// accepts Basic). Errors are kInvalidArgument naming the member at fault.
absl::StatusOr<ProviderMetadata> ParseDiscoveryDocument(std::string_view json,
                                                        std::string_view configured_issuer);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_PROVIDER_METADATA_H_
