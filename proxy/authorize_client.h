// The proxy's side of the authorize service: one Check per tunnel, over gRPC,
// answered on the authorizer's own completion-queue thread (the tunnel
// session moves the answer back onto its own io_context; see
// tunnel_session.cc).
//
//   absl::StatusOr<std::shared_ptr<Authorizer>> authorizer =
//       GrpcAuthorizer::Create({.url = "http://127.0.0.1:5443"}, shared_secret);
//   v1::CheckRequest request;
//   request.set_route("redis.corp.example.com:6379");
//   (*authorizer)->Check(std::move(request), absl::Seconds(5),
//                        [](absl::StatusOr<v1::CheckResponse> answer) { ... });
//
// Fail closed: an RPC that fails or misses its deadline is an error status,
// never a decision; the caller answers 503.
#ifndef POSTERN_PROXY_AUTHORIZE_CLIENT_H_
#define POSTERN_PROXY_AUTHORIZE_CLIENT_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/proto/authorize.grpc.pb.h"
#include "common/proto/authorize.pb.h"
#include "common/reload/snapshot.h"
#include "grpcpp/completion_queue.h"

namespace postern::proxy {

namespace v1 = ::postern::authorize::v1;

// Authorizer decides tunnels. An interface so tunnel tests can answer
// without a server.
class Authorizer {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<v1::CheckResponse>) &&>;

  virtual ~Authorizer() = default;

  // Check asks for a decision about `request` and calls `done` exactly once,
  // on any thread, possibly before Check returns: with the answer, or with
  // kUnavailable / kDeadlineExceeded (naming the cause) when no decision was
  // made within `timeout`. Thread-safe. The Authorizer must outlive the call
  // until `done` runs.
  virtual void Check(v1::CheckRequest request, absl::Duration timeout, Done done) = 0;

  // Reachable reports whether calls can be expected to get through now (for
  // /readyz): false until the service has been reached at least once, and
  // while connecting to it fails. It may start connecting. Thread-safe.
  virtual bool Reachable() = 0;
};

// How the proxy reaches postern-authorize: the config's
// authorize_service_url and, for https, whom to trust
// (certificate_authority_file, read) and by which name
// (override_certificate_name). A reload keeps the channel while these and
// the shared secret are unchanged.
struct AuthorizeChannel {
  std::string url;
  std::string root_certificates_pem;      // empty: the system trust store
  std::string override_certificate_name;  // empty: the URL's host

  bool operator==(const AuthorizeChannel&) const = default;
};

// AuthorizeChannelFor reads `config`'s authorize settings, the CA file
// included (errors name it and say what is wrong).
absl::StatusOr<AuthorizeChannel> AuthorizeChannelFor(const config::Config& config);

// GrpcAuthorizer calls postern-authorize at `authorize_service_url`.
//
// Calls carry `authorization: Bearer <service token>` minted from the shared
// secret; one token is reused for kServiceTokenReuse (half its lifetime), so
// minting costs one HMAC per half minute, not per tunnel. Calls wait for the
// channel to connect (gRPC wait_for_ready) up to their deadline, so tunnels
// ride over a quick restart of the authorize service, and the channel retries
// connecting at least once a second while it is down. State changes
// (unreachable / answering again) are logged once each.
//
// Calls use gRPC's completion-queue API with one thread of ours waiting on
// the queue, not the callback API: the callback API runs answers on two
// "nexting" threads that hand polling back and forth, and every hand-off is
// a thread wake-up on the tunnel's setup path. Measured on the 2-core
// reference machine (docs/PERFORMANCE.md): the Check round trip inside a
// tunnel setup went from ~410 to ~350 µs and the proxy's CPU per setup fell.
class GrpcAuthorizer final : public Authorizer {
 public:
  static constexpr absl::Duration kServiceTokenReuse = absl::Seconds(30);

  // Create makes the channel to `channel.url`: `http://host:port` with
  // plain-text gRPC, `https://host:port` with TLS, verified against
  // `channel.root_certificates_pem` (empty: the system trust store) for the
  // name `channel.override_certificate_name` (empty: the URL's host). Ports
  // default to 80 / 443. `shared_secret` is the decoded secret (at least 32
  // bytes). kInvalidArgument for any other URL. Connecting starts at once,
  // in the background; nothing waits for it.
  static absl::StatusOr<std::shared_ptr<GrpcAuthorizer>> Create(const AuthorizeChannel& channel,
                                                                const std::string& shared_secret);

  // Shuts the completion queue down and joins its thread; every call must
  // have completed (the Authorizer outlives its calls, see Authorizer).
  ~GrpcAuthorizer() override;

  void Check(v1::CheckRequest request, absl::Duration timeout, Done done) override;
  bool Reachable() override;

 private:
  struct Token {
    std::string bearer;  // "Bearer <jwt>"
    absl::Time minted;
  };

  GrpcAuthorizer(std::string url, std::string shared_secret, std::string connect_checks,
                 std::shared_ptr<grpc::Channel> channel);

  std::string BearerToken();
  void NoteOutcome(const grpc::Status& status);
  // Answers calls as their completions arrive, until the queue shuts down.
  void DrainCompletions();

  const std::string url_;
  const std::string shared_secret_;
  const std::string connect_checks_;  // what to check when the channel cannot connect
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<v1::Authorize::Stub> stub_;
  // Shared by every tunnel's Check; a Snapshot (mutex-guarded) rather than an
  // atomic shared_ptr, which ThreadSanitizer cannot see into (see snapshot.h).
  reload::Snapshot<Token> token_{nullptr};
  std::atomic<bool> failing_{false};
  // Whether the channel was last seen connected (READY, or a check answered)
  // rather than failing; what Reachable says while the channel is unsettled.
  std::atomic<bool> connected_{false};
  grpc::CompletionQueue completions_;
  std::thread completion_thread_;  // runs DrainCompletions; last, so it starts last
};

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_AUTHORIZE_CLIENT_H_
