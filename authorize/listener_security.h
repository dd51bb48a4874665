// The transport of postern-authorize's gRPC listener, from the config:
// plain text while `grpc_insecure` is true (Postern's default, for a link on
// loopback or an otherwise protected network), TLS with the configured
// certificates once it is false, so that session tokens never cross the
// network in the clear.
//
//   absl::StatusOr<ListenerSecurity> security = ListenerSecurityFor(config);
//   if (!security.ok()) return security.status();  // "authorize.pem: no certificate found ..."
//   AuthorizeServer::Start(&service, {.address = ..., .credentials = security->credentials});
//
// The certificates are read once, at start: a reload does not change the
// listener (restart to rotate its certificate).
#ifndef POSTERN_AUTHORIZE_LISTENER_SECURITY_H_
#define POSTERN_AUTHORIZE_LISTENER_SECURITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/config.h"
#include "grpcpp/security/server_credentials.h"

namespace postern::authorize {

struct ListenerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string description;  // "TLS" or "plain text", for the startup log line
};

// ListenerSecurityFor builds the listener's credentials. With TLS every
// configured certificate is offered (the client's SNI picks one, else the
// first); each key must match its certificate. Errors name the file and
// what is wrong with it (kInvalidArgument, or the errno's code), or say that
// TLS was asked for without a certificate (kFailedPrecondition).
absl::StatusOr<ListenerSecurity> ListenerSecurityFor(const config::Config& config);

// SameListenerSecurity reports whether `a` and `b` configure the listener
// alike (grpc_insecure and the certificate files), so that a reload that
// changes them can say that a restart is needed.
bool SameListenerSecurity(const config::Config& a, const config::Config& b);

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_LISTENER_SECURITY_H_
