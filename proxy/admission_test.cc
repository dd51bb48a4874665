#include "proxy/admission.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

using ::postern::authorize::v1::CheckResponse;

CheckResponse Answer(CheckResponse::Decision decision, std::vector<std::string> reasons = {}) {
  CheckResponse response;
  response.set_decision(decision);
  for (const std::string& reason : reasons) response.add_reasons(reason);
  return response;
}

TEST(AdmissionTest, AllowOpensTheTunnel) {
  const Admission admission = AdmissionFor(Answer(CheckResponse::ALLOW));
  EXPECT_TRUE(admission.allowed);
  EXPECT_EQ(admission.decision, "allow");
}

TEST(AdmissionTest, DenyIs403WithThePolicyReasons) {
  const Admission admission =
      AdmissionFor(Answer(CheckResponse::DENY, {"rule 2 denied", "group ops missing"}));
  EXPECT_FALSE(admission.allowed);
  EXPECT_EQ(admission.status, 403);
  EXPECT_EQ(admission.decision, "deny");
  EXPECT_EQ(admission.client_text, "rule 2 denied; group ops missing");
}

TEST(AdmissionTest, UnauthenticatedIs401AndAsksForALogin) {
  const Admission admission = AdmissionFor(Answer(CheckResponse::UNAUTHENTICATED));
  EXPECT_FALSE(admission.allowed);
  EXPECT_EQ(admission.status, 401);
  EXPECT_EQ(admission.decision, "unauthenticated");
  EXPECT_NE(admission.client_text.find("log in"), std::string::npos);
}

TEST(AdmissionTest, NoRouteIs404) {
  const Admission admission = AdmissionFor(Answer(CheckResponse::NO_ROUTE, {"no route for x:1"}));
  EXPECT_EQ(admission.status, 404);
  EXPECT_EQ(admission.client_text, "no route for x:1");
}

TEST(AdmissionTest, RpcFailuresFailClosedWith503AndHideTheCause) {
  for (const absl::Status& failure :
       {absl::UnavailableError("connect to 10.1.2.3:5443 refused"),
        absl::DeadlineExceededError("deadline"), absl::InternalError("x")}) {
    const Admission admission = AdmissionFor(failure);
    EXPECT_FALSE(admission.allowed) << failure;
    EXPECT_EQ(admission.status, 503) << failure;
    EXPECT_EQ(admission.decision, "error");
    EXPECT_EQ(admission.client_text.find("10.1.2.3"), std::string::npos);
  }
}

TEST(AdmissionTest, UnknownOrMissingDecisionFailsClosed) {
  EXPECT_EQ(AdmissionFor(Answer(CheckResponse::DECISION_UNSPECIFIED)).status, 503);
  EXPECT_FALSE(AdmissionFor(Answer(static_cast<CheckResponse::Decision>(42))).allowed);
}

}  // namespace
}  // namespace postern::proxy
