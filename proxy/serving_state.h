// ServingState: everything a new tunnel needs from the configuration, built
// as one immutable value and swapped whole on reload (reload::Snapshot).
//
//   reload::Snapshot<ServingState> state(*BuildServingState(path, {}, nullptr));
//   std::shared_ptr<const ServingState> now = state.Get();   // per connection
//   now->config->FindRoute(...); now->authorizer->Check(...);
//
// A connection keeps the state it started with for its whole life, so a
// reload never changes a tunnel in flight; the old TLS context and authorize
// channel live until the last such tunnel ends.
#ifndef POSTERN_PROXY_SERVING_STATE_H_
#define POSTERN_PROXY_SERVING_STATE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/config.h"
#include "common/tls/server_context.h"
#include "proxy/authenticate/authenticate_handler.h"
#include "proxy/authorize_client.h"

// Asio's TLS context, kept out of this header (it is included widely).
namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace postern::proxy {

struct ServingState {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const tls::ServerContext> tls;
  // tls->native() wrapped for asio::ssl::stream (it holds its own reference).
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  std::shared_ptr<Authorizer> authorizer;
  AuthorizeChannel authorize_channel;  // what `authorizer` was made from
  // The login endpoints; null when the config names no identity provider
  // (then only service-account tokens work).
  std::shared_ptr<authenticate::AuthenticateHandler> authenticate;
};

// BuildServingState loads the config file at `config_path` and builds a state
// from it: proxy settings required (shared_secret, a certificate), the TLS
// contexts loaded, the authorize channel made. With a `previous` state (a
// reload), the TLS session-ticket keys carry over when the shared secret is
// unchanged (sessions resume across the reload) and the authorize channel is
// reused when its settings (AuthorizeChannel, the CA file's certificates
// included) and the secret are unchanged. Config warnings are logged. Errors
// name the file and the problem (the config loader's, a certificate's, or
// the URL's). Thread-safe.
// `authenticate_service_url` overrides the config's. When it is empty and the
// config's is only the default (https://<address>), the login endpoints are
// left out: the listener's real address is not known yet, and the caller
// builds again with it once bound.
absl::StatusOr<std::shared_ptr<const ServingState>> BuildServingState(
    const std::string& config_path, const ServingState* previous,
    const std::string& authenticate_service_url = "");

// BuildServingStateFrom does the same from an already loaded config; the
// caller has checked RequireProxySettings.
absl::StatusOr<std::shared_ptr<const ServingState>> BuildServingStateFrom(
    std::shared_ptr<const config::Config> config, const ServingState* previous,
    const std::string& authenticate_service_url = "");

// WrapForAsio returns an asio::ssl::context sharing `tls`'s SSL_CTX (taking
// a reference of its own, which Asio releases).
std::shared_ptr<boost::asio::ssl::context> WrapForAsio(const tls::ServerContext& tls);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_SERVING_STATE_H_
