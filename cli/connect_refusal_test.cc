#include "cli/connect_refusal.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const RefusalContext kContext{.proxy = {.host = "proxy.example.com", .port = 443},
                              .target = {.host = "redis.corp.example.com", .port = 6379}};

absl::Status Explain(int status, std::string body, TokenSource source = TokenSource::kNone,
                     std::string reason = "") {
  RefusalContext context = kContext;
  context.token_source = source;
  return ExplainRefusal({.status = status, .reason_phrase = reason, .body = body}, context);
}

TEST(ConnectRefusalTest, ForbiddenIncludesThePolicyReason) {
  absl::Status s = Explain(403, "email contractor@not-example.com is not allowed\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "access to redis.corp.example.com:6379 denied by policy (403: email "
            "contractor@not-example.com is not allowed)");
  EXPECT_EQ(Explain(403, "").message(),
            "access to redis.corp.example.com:6379 denied by policy (403)");
}

TEST(ConnectRefusalTest, NotFoundNamesProxyAndRoute) {
  absl::Status s = Explain(404, "no route");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("proxy proxy.example.com:443 has no route for "
                                           "redis.corp.example.com:6379"),
                                 HasSubstr("(404: no route)")));
}

TEST(ConnectRefusalTest, UnauthenticatedAdviceDependsOnTheToken) {
  absl::Status none = Explain(401, "");
  EXPECT_EQ(none.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.message(),
              AllOf(HasSubstr("requires a session"), HasSubstr("--service-account")));
  absl::Status service = Explain(401, "session expired", TokenSource::kServiceAccount);
  EXPECT_THAT(service.message(), AllOf(HasSubstr("refused the service account token"),
                                       HasSubstr("(401: session expired)")));
  absl::Status cached = Explain(401, "", TokenSource::kCache);
  EXPECT_THAT(cached.message(),
              AllOf(HasSubstr("refused the cached session"), HasSubstr("--service-account")));
  absl::Status fresh = Explain(401, "", TokenSource::kLogin);
  EXPECT_THAT(fresh.message(), HasSubstr("refused the session from the login just completed"));
}

TEST(ConnectRefusalTest, UnavailableStatuses) {
  EXPECT_EQ(Explain(503, "").code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Explain(503, "").message(), HasSubstr("authorization service"));
  EXPECT_EQ(Explain(502, "connection refused").code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Explain(502, "connection refused").message(),
              HasSubstr("could not connect to redis.corp.example.com:6379's upstream (502: "
                        "connection refused)"));
  EXPECT_THAT(Explain(504, "").message(), HasSubstr("timed out"));
}

TEST(ConnectRefusalTest, AdviceTheProxyAlreadyGaveIsNotRepeated) {
  // postern-proxy's own 503 text ends with the same advice.
  EXPECT_EQ(Explain(503, "authorization service unavailable; try again later\n").message(),
            "proxy proxy.example.com:443 cannot reach its authorization service (503: "
            "authorization service unavailable; try again later)");
  EXPECT_EQ(Explain(503, "").message(),
            "proxy proxy.example.com:443 cannot reach its authorization service (503); try again "
            "later");
}

TEST(ConnectRefusalTest, OtherStatusesShowStatusReasonAndBody) {
  absl::Status s =
      Explain(431, "header block too large", TokenSource::kNone, "Request Header Fields Too Large");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "proxy proxy.example.com:443 refused the tunnel to redis.corp.example.com:6379 (431 "
            "Request Header Fields Too Large: header block too large)");
}

TEST(ConnectRefusalTest, TheProxysTextIsOneBoundedLine) {
  absl::Status s = Explain(403, "line one\nline two\r\n\x1b[31mred" + std::string(1000, 'x'));
  EXPECT_THAT(s.message(), Not(HasSubstr("\n")));
  EXPECT_THAT(s.message(), Not(HasSubstr("\x1b")));
  EXPECT_THAT(s.message(), HasSubstr("line one line two"));
  EXPECT_LT(s.message().size(), 450u);
  EXPECT_THAT(s.message(), HasSubstr("...)"));
}

}  // namespace
}  // namespace postern::cli
