#include "authorize/grpc_server.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace postern::authorize {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// The services a health checker may name; "" is the whole server.
bool KnownService(const std::string& name) {
  return name.empty() || name == v1::Authorize::service_full_name();
}

// A completion-queue tag: something waiting for one operation to complete.
class Pending {
 public:
  virtual ~Pending() = default;
  // `ok` false: the operation did not happen (the server or queue is
  // shutting down, or the client went away).
  virtual void Completed(bool ok) = 0;
};

// Unary calls: request -> (answer) -> finished -> deleted. On arrival a
// fresh one is requested first, so the queue always has one waiting.
template <typename Request, typename Response, typename Self>
class UnaryCall : public Pending {
 public:
  UnaryCall(AuthorizeServer* server, grpc::ServerCompletionQueue* queue)
      : server_(server), queue_(queue), responder_(&context_) {}

  void Completed(bool ok) override {
    if (!ok || answered_) {
      delete this;
      return;
    }
    answered_ = true;
    Self::Request(server_, queue_);
    Response response;
    const grpc::Status status = static_cast<Self*>(this)->Answer(&response);
    responder_.Finish(response, status, this);
  }

 protected:
  AuthorizeServer* const server_;
  grpc::ServerCompletionQueue* const queue_;
  grpc::ServerContext context_;
  Request request_;
  grpc::ServerAsyncResponseWriter<Response> responder_;
  bool answered_ = false;
};

class CheckCall final : public UnaryCall<v1::CheckRequest, v1::CheckResponse, CheckCall> {
 public:
  using UnaryCall::UnaryCall;

  static void Request(AuthorizeServer* server, grpc::ServerCompletionQueue* queue) {
    auto* call = new CheckCall(server, queue);
    server->check_api().RequestCheck(&call->context_, &call->request_, &call->responder_, queue,
                                     queue, call);
  }

  grpc::Status Answer(v1::CheckResponse* response) {
    return server_->service().Answer(context_, request_, response);
  }
};

class HealthCheckCall final
    : public UnaryCall<HealthCheckRequest, HealthCheckResponse, HealthCheckCall> {
 public:
  using UnaryCall::UnaryCall;

  static void Request(AuthorizeServer* server, grpc::ServerCompletionQueue* queue) {
    auto* call = new HealthCheckCall(server, queue);
    server->health_api().RequestCheck(&call->context_, &call->request_, &call->responder_, queue,
                                      queue, call);
  }

  grpc::Status Answer(HealthCheckResponse* response) {
    if (!KnownService(request_.service())) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("unknown service ", request_.service()));
    }
    response->set_status(server_->serving() ? HealthCheckResponse::SERVING
                                            : HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }
};

// Watch sends the current status, then holds the stream open until the
// client leaves or the server shuts down (the stream's end tells a watcher
// the server is gone). Two operations can be outstanding: the write and
// the "call done" notification; the call is deleted after both.
class WatchCall final : public Pending {
 public:
  static void Request(AuthorizeServer* server, grpc::ServerCompletionQueue* queue) {
    auto* call = new WatchCall(server, queue);
    call->context_.AsyncNotifyWhenDone(&call->done_);
    server->health_api().RequestWatch(&call->context_, &call->request_, &call->writer_, queue,
                                      queue, call);
  }

  void Completed(bool ok) override {
    if (!started_) {
      if (!ok) {
        // Never started: the done notification is not delivered for a call
        // that was never matched, so nothing else holds this one.
        delete this;
        return;
      }
      started_ = true;
      Request(server_, queue_);
      HealthCheckResponse response;
      response.set_status(!KnownService(request_.service()) ? HealthCheckResponse::SERVICE_UNKNOWN
                          : server_->serving()              ? HealthCheckResponse::SERVING
                                                            : HealthCheckResponse::NOT_SERVING);
      writing_ = true;
      writer_.Write(response, this);
      return;
    }
    writing_ = false;  // the status write completed (or failed)
    DeleteIfIdle();
  }

 private:
  // The "call done" notification: the client left or the server cancelled.
  struct Done final : Pending {
    explicit Done(WatchCall* call) : call(call) {}
    void Completed(bool) override {
      call->finished_ = true;
      call->DeleteIfIdle();
    }
    WatchCall* const call;
  };

  WatchCall(AuthorizeServer* server, grpc::ServerCompletionQueue* queue)
      : server_(server), queue_(queue), writer_(&context_), done_(this) {}

  void DeleteIfIdle() {
    if (finished_ && !writing_) delete this;
  }

  AuthorizeServer* const server_;
  grpc::ServerCompletionQueue* const queue_;
  grpc::ServerContext context_;
  HealthCheckRequest request_;
  grpc::ServerAsyncWriter<HealthCheckResponse> writer_;
  Done done_;
  bool started_ = false;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuthorizeServer>> AuthorizeServer::Start(AuthorizeService* service,
                                                                        const Options& options) {
  std::unique_ptr<AuthorizeServer> server(new AuthorizeServer(service));
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);

  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(
      options.address,
      options.credentials != nullptr ? options.credentials : grpc::InsecureServerCredentials(),
      &server->port_);
  builder.RegisterService(&server->check_api_);
  builder.RegisterService(&server->health_api_);
  for (int i = 0; i < threads; ++i) server->queues_.push_back(builder.AddCompletionQueue());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    for (auto& queue : server->queues_) {
      queue->Shutdown();
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) {
      }
    }
    server->shut_down_ = true;
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.address, " (address in use or not local)"));
  }
  for (auto& queue : server->queues_) {
    CheckCall::Request(server.get(), queue.get());
    HealthCheckCall::Request(server.get(), queue.get());
    WatchCall::Request(server.get(), queue.get());
    server->threads_.emplace_back([s = server.get(), q = queue.get()] { s->Drain(q); });
  }
  return server;
}

AuthorizeServer::~AuthorizeServer() {
  if (!shut_down_) Shutdown(absl::ZeroDuration());
}

void AuthorizeServer::Drain(grpc::ServerCompletionQueue* queue) {
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) static_cast<Pending*>(tag)->Completed(ok);
}

void AuthorizeServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  serving_.store(false, std::memory_order_release);
  // Returns once calls in flight have finished or been cancelled at the
  // deadline; the threads keep draining meanwhile.
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
  for (auto& queue : queues_) queue->Shutdown();
  for (std::thread& thread : threads_) thread.join();
}

}  // namespace postern::authorize
