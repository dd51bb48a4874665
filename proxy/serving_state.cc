#include "proxy/serving_state.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/config/config_loader.h"
#include "common/log/log.h"
#include "common/session/session.h"

namespace postern::proxy {
namespace {

std::vector<tls::CertificateFiles> CertificatesOf(const config::Config& config) {
  std::vector<tls::CertificateFiles> files;
  files.reserve(config.certificates.size());
  for (const config::CertificateFiles& pair : config.certificates) {
    files.push_back({.cert_file = pair.cert_file, .key_file = pair.key_file});
  }
  return files;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> WrapForAsio(const tls::ServerContext& tls) {
  SSL_CTX_up_ref(tls.native());
  return std::make_shared<boost::asio::ssl::context>(tls.native());
}

absl::StatusOr<std::shared_ptr<const ServingState>> BuildServingStateFrom(
    std::shared_ptr<const config::Config> config, const ServingState* previous,
    const std::string& authenticate_service_url) {
  const bool same_secret =
      previous != nullptr && previous->config->shared_secret == config->shared_secret;

  absl::StatusOr<tls::ServerContext> tls =
      same_secret ? previous->tls->Rebuild(CertificatesOf(*config))
                  : tls::ServerContext::Create(CertificatesOf(*config),
                                               session::AsSecret(config->shared_secret));
  if (!tls.ok()) return tls.status();

  absl::StatusOr<AuthorizeChannel> channel = AuthorizeChannelFor(*config);
  if (!channel.ok()) {
    return absl::Status(channel.status().code(),
                        absl::StrCat(config->file_name, ": ", channel.status().message()));
  }
  std::shared_ptr<Authorizer> authorizer;
  if (same_secret && previous->authorize_channel == *channel) {
    authorizer = previous->authorizer;
  } else {
    absl::StatusOr<std::shared_ptr<GrpcAuthorizer>> grpc =
        GrpcAuthorizer::Create(*channel, config->shared_secret);
    if (!grpc.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(config->file_name, ": ", grpc.status().message()));
    }
    authorizer = *std::move(grpc);
  }

  // Browser login needs a provider; without one the endpoints say so.
  std::shared_ptr<authenticate::AuthenticateHandler> authenticate;
  // With a default authenticate_service_url the endpoints' external URL is
  // the listener's, known only once it is bound: the caller builds again then.
  const bool url_known =
      !authenticate_service_url.empty() || !config->authenticate_service_url_is_default;
  if (!config->idp_provider_url.empty() && url_known) {
    absl::StatusOr<std::shared_ptr<authenticate::AuthenticateHandler>> handler =
        authenticate::AuthenticateHandler::Create(
            *config, {.authenticate_service_url = authenticate_service_url});
    if (!handler.ok()) {
      return absl::Status(handler.status().code(),
                          absl::StrCat(config->file_name, ": ", handler.status().message()));
    }
    authenticate = *std::move(handler);
  }

  auto state = std::make_shared<ServingState>();
  state->config = std::move(config);
  state->tls = std::make_shared<const tls::ServerContext>(*std::move(tls));
  state->tls_context = WrapForAsio(*state->tls);
  state->authorizer = std::move(authorizer);
  state->authorize_channel = *std::move(channel);
  state->authenticate = std::move(authenticate);
  return std::shared_ptr<const ServingState>(std::move(state));
}

absl::StatusOr<std::shared_ptr<const ServingState>> BuildServingState(
    const std::string& config_path, const ServingState* previous,
    const std::string& authenticate_service_url) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigFile(config_path);
  if (!loaded.ok()) return loaded.status();
  for (const std::string& warning : loaded->warnings) log::Warn("%s", warning);
  if (absl::Status status = loaded->config->RequireProxySettings(); !status.ok()) return status;
  return BuildServingStateFrom(std::move(loaded->config), previous, authenticate_service_url);
}

}  // namespace postern::proxy
