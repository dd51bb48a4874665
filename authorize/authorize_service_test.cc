// The Check service through a real gRPC server on a loopback port: the
// decisions a proxy sees, service authentication, and reloads.
#include "authorize/authorize_service.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "authorize/route_policies.h"
#include "common/config/config_loader.h"
#include "common/crypto/base64.h"
#include "common/reload/reloader.h"
#include "common/session/service_token.h"
#include "common/session/session.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace postern::authorize {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

const std::string kSecret(32, 's');

std::string ConfigText(const std::string& allowed_email) {
  return "shared_secret: " + crypto::Base64Encode(kSecret) +
         "\n"
         "routes:\n"
         "  - from: tcp+https://redis.corp.example.com:6379\n"
         "    to: tcp://127.0.0.1:6379\n"
         "    policy:\n"
         "      - allow:\n"
         "          or:\n"
         "            - email: {is: " +
         allowed_email +
         "}\n"
         "            - groups: {has: [\"datascience@example.com\"]}\n"
         "  - from: tcp+https://public.corp.example.com:80\n"
         "    to: tcp://127.0.0.1:80\n"
         "    allow_public_unauthenticated_access: true\n";
}

absl::StatusOr<std::shared_ptr<const RoutePolicies>> Build(const std::string& text) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigString(text, "test.yaml");
  if (!loaded.ok()) return loaded.status();
  return RoutePolicies::Build(loaded->config);
}

std::string SessionFor(const std::string& email, std::vector<std::string> groups = {},
                       absl::Duration lifetime = absl::Hours(1)) {
  const absl::Time now = absl::Now();
  return session::MintSessionToken(session::Session{.subject = "user-" + email,
                                                    .email = email,
                                                    .groups = std::move(groups),
                                                    .issued_at = now,
                                                    .expires_at = now + lifetime},
                                   session::AsSecret(kSecret));
}

class AuthorizeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_text_ = ConfigText("contractor@not-example.com");
    auto initial = Build(config_text_);
    ASSERT_TRUE(initial.ok()) << initial.status();
    policies_ = std::make_unique<reload::Snapshot<RoutePolicies>>(*initial);
    reloader_ = std::make_unique<reload::Reloader<RoutePolicies>>(
        [this] { return Build(config_text_); }, policies_.get());
    service_ = std::make_unique<AuthorizeService>(policies_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::Authorize::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                       grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Check(const std::string& route, const std::string& token, v1::CheckResponse* out,
                     const std::string& service_token = "default") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (service_token == "default") {
      context.AddMetadata(
          "authorization",
          "Bearer " + session::MintServiceToken(session::AsSecret(kSecret), absl::Now()));
    } else if (!service_token.empty()) {
      context.AddMetadata("authorization", "Bearer " + service_token);
    }
    v1::CheckRequest request;
    request.set_route(route);
    request.set_session_token(token);
    request.set_source_ip("192.0.2.7");
    request.set_http_method("CONNECT");
    return stub_->Check(&context, request, out);
  }

  std::string config_text_;
  std::unique_ptr<reload::Snapshot<RoutePolicies>> policies_;
  std::unique_ptr<reload::Reloader<RoutePolicies>> reloader_;
  std::unique_ptr<AuthorizeService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Authorize::Stub> stub_;
};

TEST_F(AuthorizeServiceTest, AllowsTheSeedExampleUsers) {
  v1::CheckResponse response;
  ASSERT_TRUE(
      Check("redis.corp.example.com:6379", SessionFor("contractor@not-example.com"), &response)
          .ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::ALLOW);
  EXPECT_EQ(response.identity().email(), "contractor@not-example.com");
  EXPECT_FALSE(response.identity().session_id().empty());

  ASSERT_TRUE(Check("redis.corp.example.com:6379",
                    SessionFor("ds@example.com", {"datascience@example.com"}), &response)
                  .ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::ALLOW);
}

TEST_F(AuthorizeServiceTest, DeniesOthersWithReasons) {
  v1::CheckResponse response;
  ASSERT_TRUE(
      Check("redis.corp.example.com:6379", SessionFor("mallory@example.com"), &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::DENY);
  EXPECT_THAT(response.reasons(), Contains(HasSubstr("no allow rule matched")));
  EXPECT_EQ(response.identity().email(), "mallory@example.com");
}

TEST_F(AuthorizeServiceTest, NoSessionIsUnauthenticated) {
  v1::CheckResponse response;
  ASSERT_TRUE(Check("redis.corp.example.com:6379", "", &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::UNAUTHENTICATED);
  EXPECT_FALSE(response.has_identity());
}

TEST_F(AuthorizeServiceTest, ExpiredOrForgedSessionIsUnauthenticated) {
  v1::CheckResponse response;
  ASSERT_TRUE(Check("redis.corp.example.com:6379",
                    SessionFor("contractor@not-example.com", {}, absl::Seconds(-1)), &response)
                  .ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::UNAUTHENTICATED);
  EXPECT_THAT(response.reasons(), Contains(HasSubstr("session rejected")));

  std::string forged = SessionFor("contractor@not-example.com");
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  ASSERT_TRUE(Check("redis.corp.example.com:6379", forged, &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::UNAUTHENTICATED);
}

TEST_F(AuthorizeServiceTest, PublicRouteNeedsNoSession) {
  v1::CheckResponse response;
  ASSERT_TRUE(Check("public.corp.example.com:80", "", &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::ALLOW);
}

TEST_F(AuthorizeServiceTest, UnknownRouteIsNoRoute) {
  v1::CheckResponse response;
  ASSERT_TRUE(Check("nope.corp.example.com:1", SessionFor("a@example.com"), &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::NO_ROUTE);
}

TEST_F(AuthorizeServiceTest, RefusesCallsWithoutAValidServiceToken) {
  v1::CheckResponse response;
  EXPECT_EQ(Check("redis.corp.example.com:6379", "", &response, "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Check("redis.corp.example.com:6379", "", &response, "not-a-token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A session token is not a service token, even though the same secret signed it.
  EXPECT_EQ(
      Check("redis.corp.example.com:6379", "", &response, SessionFor("contractor@not-example.com"))
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  const std::string other_secret(32, 'o');
  EXPECT_EQ(Check("redis.corp.example.com:6379", "", &response,
                  session::MintServiceToken(session::AsSecret(other_secret), absl::Now()))
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthorizeServiceTest, ReloadAppliesGoodFilesAndKeepsServingOnBadOnes) {
  const std::string bob = SessionFor("bob@example.com");
  v1::CheckResponse response;
  ASSERT_TRUE(Check("redis.corp.example.com:6379", bob, &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::DENY);

  config_text_ = ConfigText("bob@example.com");
  ASSERT_TRUE(reloader_->Reload("test").ok());
  ASSERT_TRUE(Check("redis.corp.example.com:6379", bob, &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::ALLOW);

  config_text_ = "routes:\n  - from: tcp+https://redis.corp.example.com\n    to: tcp://x:1\n";
  EXPECT_FALSE(reloader_->Reload("test").ok());
  ASSERT_TRUE(Check("redis.corp.example.com:6379", bob, &response).ok());
  EXPECT_EQ(response.decision(), v1::CheckResponse::ALLOW);
}

}  // namespace
}  // namespace postern::authorize
