// AuthorizeServer: postern-authorize's gRPC server. It answers Check (via
// AuthorizeService) and the standard health service (grpc.health.v1:
// Check, and Watch, which sends the status and then holds the stream open)
// from completion queues, each drained by one thread of ours.
//
//   absl::StatusOr<std::unique_ptr<AuthorizeServer>> server =
//       AuthorizeServer::Start(&service, {.address = "127.0.0.1:5443"});
//   ... (*server)->port() ...
//   (*server)->Shutdown(absl::Seconds(5));
//
// Why completion queues and not gRPC's callback API: a callback server runs
// its handlers on two "nexting" threads per process that hand polling back
// and forth, several thread wake-ups per call. A Check waits for those on
// every tunnel setup. With one queue per thread, the thread that wakes for
// the request also decides and answers it. Measured on the 2-core reference
// machine (docs/PERFORMANCE.md): CPU per Check made one at a time 245 ->
// ~175 µs; run_check_load at 8 in flight 15.7k -> 19.7k calls/s with p99
// 2.5 -> 1.2 ms.
#ifndef POSTERN_AUTHORIZE_GRPC_SERVER_H_
#define POSTERN_AUTHORIZE_GRPC_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "authorize/authorize_service.h"
#include "common/proto/authorize.grpc.pb.h"
#include "common/proto/health.grpc.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace postern::authorize {

class AuthorizeServer {
 public:
  struct Options {
    // host:port; port 0 picks a free one (see port()).
    std::string address;
    // Threads, one completion queue each. 0: one per two cores, at least
    // one. More threads hand polling to each other (gRPC has one poller per
    // process at a time), which costs latency when calls are sparse.
    int threads = 0;
    // The listener's transport (listener_security.h); null: plain text.
    std::shared_ptr<grpc::ServerCredentials> credentials;
  };

  // Start binds and serves. `service` must outlive the server. Fails with
  // kUnavailable when the address cannot be bound (in use, not local): the
  // port is never shared (gRPC's default SO_REUSEPORT is turned off, or a
  // second instance would silently take half the calls).
  static absl::StatusOr<std::unique_ptr<AuthorizeServer>> Start(AuthorizeService* service,
                                                                const Options& options);

  // Shutdown(zero grace) unless already shut down.
  ~AuthorizeServer();
  AuthorizeServer(const AuthorizeServer&) = delete;
  AuthorizeServer& operator=(const AuthorizeServer&) = delete;

  int port() const { return port_; }

  // Shutdown reports NOT_SERVING, stops taking calls, lets calls in flight
  // finish for up to `grace` (then cancels them), and joins the threads.
  void Shutdown(absl::Duration grace);

  // Used by the calls (grpc_server.cc).
  AuthorizeService& service() { return *service_; }
  v1::Authorize::AsyncService& check_api() { return check_api_; }
  grpc::health::v1::Health::AsyncService& health_api() { return health_api_; }
  bool serving() const { return serving_.load(std::memory_order_acquire); }

 private:
  explicit AuthorizeServer(AuthorizeService* service) : service_(service) {}
  void Drain(grpc::ServerCompletionQueue* queue);

  AuthorizeService* const service_;
  v1::Authorize::AsyncService check_api_;
  grpc::health::v1::Health::AsyncService health_api_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::thread> threads_;
  std::atomic<bool> serving_{true};
  bool shut_down_ = false;
  int port_ = 0;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_GRPC_SERVER_H_
