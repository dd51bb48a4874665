// What the proxy answers a CONNECT once the authorize service has spoken (or
// failed to): the status code table of DESIGN.md in one place.
//
//   Admission admission = AdmissionFor(answer);   // answer: StatusOr<CheckResponse>
//   if (!admission.allowed) {
//     Send(FormatResponse(admission.status, admission.client_text));
//   }
//   access_log.decision = admission.decision;     // "allow", "deny", ...
#ifndef POSTERN_PROXY_ADMISSION_H_
#define POSTERN_PROXY_ADMISSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/proto/authorize.pb.h"

namespace postern::proxy {

struct Admission {
  bool allowed = false;
  // The HTTP status for the client when not allowed: 401 unauthenticated,
  // 403 denied, 404 no route, 503 no decision (fail closed).
  int status = 503;
  // The access log's word for the outcome: "allow", "deny",
  // "unauthenticated", "no_route", or "error" when no decision was made.
  std::string decision;
  // One line for the client: the policy's reasons for 401/403/404 (they name
  // rules, never secrets), a fixed text for 503 (the cause stays in the log:
  // it may name internal addresses).
  std::string client_text;
};

// AdmissionFor maps an authorize answer to what the client gets. Any error
// status, and any decision the proxy does not know (a newer authorize
// service), is refused with 503: never a tunnel without a clear ALLOW.
Admission AdmissionFor(const absl::StatusOr<::postern::authorize::v1::CheckResponse>& answer);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_ADMISSION_H_
