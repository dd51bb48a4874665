#include "proxy/admission.h"

#include "absl/strings/str_join.h"

namespace postern::proxy {
namespace {

using ::postern::authorize::v1::CheckResponse;

std::string Reasons(const CheckResponse& response, const char* fallback) {
  if (response.reasons().empty()) return fallback;
  return absl::StrJoin(response.reasons(), "; ");
}

}  // namespace

Admission AdmissionFor(const absl::StatusOr<CheckResponse>& answer) {
  if (!answer.ok()) {
    return Admission{.allowed = false,
                     .status = 503,
                     .decision = "error",
                     .client_text = "authorization service unavailable; try again later"};
  }
  switch (answer->decision()) {
    case CheckResponse::ALLOW:
      return Admission{.allowed = true, .status = 200, .decision = "allow"};
    case CheckResponse::DENY:
      return Admission{.allowed = false,
                       .status = 403,
                       .decision = "deny",
                       .client_text = Reasons(*answer, "access denied by policy")};
    case CheckResponse::UNAUTHENTICATED:
      return Admission{.allowed = false,
                       .status = 401,
                       .decision = "unauthenticated",
                       .client_text = Reasons(*answer, "a valid session is required; log in")};
    case CheckResponse::NO_ROUTE:
      return Admission{.allowed = false,
                       .status = 404,
                       .decision = "no_route",
                       .client_text = Reasons(*answer, "no route for this address")};
    default:
      return Admission{.allowed = false,
                       .status = 503,
                       .decision = "error",
                       .client_text = "authorization service gave no usable decision"};
  }
}

}  // namespace postern::proxy
