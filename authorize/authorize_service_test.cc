// The Check service through the real server (AuthorizeServer) on a
// loopback port: the decisions a proxy sees, service authentication,
// reloads, the health service and shutdown.
#include "authorize/authorize_service.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "authorize/grpc_server.h"
#include "authorize/route_policies.h"
#include "common/config/config_loader.h"
#include "common/crypto/base64.h"
#include "common/proto/health.grpc.pb.h"
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
    // Two threads, so that calls are also answered from a second queue.
    absl::StatusOr<std::unique_ptr<AuthorizeServer>> server =
        AuthorizeServer::Start(service_.get(), {.address = "127.0.0.1:0", .threads = 2});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_NE(server_->port(), 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Authorize::NewStub(channel_);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  }

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
  std::unique_ptr<AuthorizeServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
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

namespace postern::authorize {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::chrono::system_clock::time_point In(std::chrono::seconds s) {
  return std::chrono::system_clock::now() + s;
}

TEST_F(AuthorizeServiceTest, HealthCheckSaysServingForTheServerAndCheckService) {
  std::unique_ptr<Health::Stub> health = Health::NewStub(channel_);
  for (const std::string service : {"", "postern.authorize.v1.Authorize"}) {
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::seconds(10)));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(10)));
  HealthCheckRequest request;
  request.set_service("no.such.Service");
  HealthCheckResponse response;
  EXPECT_EQ(health->Check(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthorizeServiceTest, HealthWatchSendsTheStatusAndEndsAtShutdown) {
  std::unique_ptr<Health::Stub> health = Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(10)));
  HealthCheckRequest request;
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader =
      health->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  // A client that leaves does not keep anything alive on the server.
  {
    grpc::ClientContext leaving;
    std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> other =
        health->Watch(&leaving, request);
    ASSERT_TRUE(other->Read(&response));
    leaving.TryCancel();
  }

  // Checks keep working while a watch is open.
  v1::CheckResponse check;
  ASSERT_TRUE(
      Check("redis.corp.example.com:6379", SessionFor("contractor@not-example.com"), &check).ok());
  EXPECT_EQ(check.decision(), v1::CheckResponse::ALLOW);

  server_->Shutdown(absl::Milliseconds(100));
  server_.reset();
  EXPECT_FALSE(reader->Read(&response));  // the stream ends with the server
  EXPECT_FALSE(reader->Finish().ok());
}

TEST_F(AuthorizeServiceTest, RefusesASecondServerOnTheSamePort) {
  absl::StatusOr<std::unique_ptr<AuthorizeServer>> second = AuthorizeServer::Start(
      service_.get(), {.address = "127.0.0.1:" + std::to_string(server_->port())});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on 127.0.0.1:"));
}

TEST_F(AuthorizeServiceTest, ShutdownStopsAnswering) {
  server_->Shutdown(absl::Seconds(1));
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(2)));
  v1::CheckRequest request;
  v1::CheckResponse response;
  EXPECT_FALSE(stub_->Check(&context, request, &response).ok());
}

}  // namespace
}  // namespace postern::authorize
