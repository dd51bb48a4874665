// AuthorizeService: the gRPC Check endpoint (common/proto/authorize.proto).
//
// Each call must carry `authorization: Bearer <service token>` minted with the
// shared secret; calls without a valid one get UNAUTHENTICATED and a warning
// in the log, before any policy runs. Every decided call writes one JSON
// decision-log line (time, route, user, email, decision, reasons, latency);
// never the token.
//
// Thread-safety: Answer runs on the server's threads concurrently
// (grpc_server.h); it reads the current RoutePolicies snapshot and takes no
// lock.
#ifndef POSTERN_AUTHORIZE_AUTHORIZE_SERVICE_H_
#define POSTERN_AUTHORIZE_AUTHORIZE_SERVICE_H_

#include "authorize/route_policies.h"
#include "authorize/service_token_cache.h"
#include "common/proto/authorize.grpc.pb.h"
#include "grpcpp/server_context.h"
#include "common/reload/snapshot.h"

namespace postern::authorize {

class AuthorizeService final {
 public:
  // `policies` must outlive the service.
  explicit AuthorizeService(const reload::Snapshot<RoutePolicies>* policies)
      : policies_(policies) {}

  // Answer decides one Check call: fills `response` and returns OK, or
  // returns UNAUTHENTICATED when the call has no valid service token.
  grpc::Status Answer(const grpc::ServerContextBase& context, const v1::CheckRequest& request,
                      v1::CheckResponse* response);

 private:
  const reload::Snapshot<RoutePolicies>* const policies_;
  ServiceTokenCache service_tokens_;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_AUTHORIZE_SERVICE_H_
