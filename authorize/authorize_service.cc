#include "authorize/authorize_service.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "authorize/decide.h"
#include "common/log/json_line.h"
#include "common/log/log.h"

namespace postern::authorize {
namespace {

constexpr char kBearerPrefix[] = "Bearer ";

// ServiceToken returns the bearer token of the call's `authorization`
// metadata, or an empty string when there is none.
std::string ServiceToken(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  if (begin == end || std::next(begin) != end) return "";  // none, or ambiguous
  const std::string value(begin->second.data(), begin->second.size());
  if (!absl::StartsWith(value, kBearerPrefix)) return "";
  return value.substr(sizeof(kBearerPrefix) - 1);
}

v1::CheckResponse::Decision ToProto(CheckOutcome::Kind kind) {
  switch (kind) {
    case CheckOutcome::Kind::kAllow:
      return v1::CheckResponse::ALLOW;
    case CheckOutcome::Kind::kDeny:
      return v1::CheckResponse::DENY;
    case CheckOutcome::Kind::kUnauthenticated:
      return v1::CheckResponse::UNAUTHENTICATED;
    case CheckOutcome::Kind::kNoRoute:
      return v1::CheckResponse::NO_ROUTE;
  }
  return v1::CheckResponse::DENY;
}

void LogDecision(const v1::CheckRequest& request, const CheckOutcome& outcome, absl::Time start,
                 absl::Time end) {
  log::JsonLine line(end);
  line.AddString("log", "decision")
      .AddString("route", request.route())
      .AddString("source_ip", request.source_ip())
      .AddString("user", outcome.session ? outcome.session->subject : "")
      .AddString("email", outcome.session ? outcome.session->email : "")
      .AddString("session_id", outcome.session ? outcome.session->id : "")
      .AddString("decision", KindName(outcome.kind))
      .AddStringList("reasons", outcome.reasons)
      .AddInt("latency_us", absl::ToInt64Microseconds(end - start));
  log::WriteLine(2, line.Line());
}

}  // namespace

grpc::Status AuthorizeService::Answer(const grpc::ServerContextBase& context,
                                      const v1::CheckRequest& request,
                                      v1::CheckResponse* response) {
  const absl::Time start = absl::Now();
  std::shared_ptr<const RoutePolicies> policies = policies_->Get();
  const std::string& secret = policies->config().shared_secret;

  const std::string service_token = ServiceToken(context);
  absl::Status service_auth = service_token.empty()
                                  ? absl::UnauthenticatedError("no service token")
                                  : service_tokens_.Verify(service_token, secret, start);
  if (!service_auth.ok()) {
    log::Warn("refused Check from %s: %s", context.peer(), std::string(service_auth.message()));
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "a valid service token is required");
  }

  CheckOutcome outcome = Decide(
      *policies,
      CheckInput{.route = request.route(),
                 .session_token = request.session_token(),
                 .source_ip = request.source_ip(),
                 .http_method = request.http_method().empty() ? "CONNECT" : request.http_method(),
                 .now = start});
  response->set_decision(ToProto(outcome.kind));
  for (const std::string& reason : outcome.reasons) response->add_reasons(reason);
  if (outcome.session.has_value()) {
    v1::Identity* identity = response->mutable_identity();
    identity->set_user(outcome.session->subject);
    identity->set_email(outcome.session->email);
    identity->set_name(outcome.session->name);
    for (const std::string& group : outcome.session->groups) identity->add_groups(group);
    identity->set_session_id(outcome.session->id);
  }
  LogDecision(request, outcome, start, absl::Now());
  return grpc::Status::OK;
}

}  // namespace postern::authorize
