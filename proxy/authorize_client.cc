#include "proxy/authorize_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/config/url.h"
#include "common/log/log.h"
#include "common/session/service_token.h"
#include "common/session/session.h"
#include "common/tls/pem.h"
#include "grpcpp/grpcpp.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace postern::proxy {
namespace {

// A Call passes from the tunnel's thread (Check) to DrainCompletions through
// gRPC's completion queue, whose locks live in Debian's uninstrumented
// libgrpc. These tell ThreadSanitizer about that hand-off, so a --config=tsan
// run neither reports the Call's fields as racing nor loses sight of real
// races elsewhere. No-ops in every other build.
void HandOver([[maybe_unused]] const void* call) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(const_cast<void*>(call));
#endif
}
void TakeOver([[maybe_unused]] const void* call) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(const_cast<void*>(call));
#endif
}

// The authorize service is near (same network) and a tunnel waits on it, so
// reconnect quickly after it restarts rather than after gRPC's default
// backoff of up to two minutes.
constexpr int kMaxReconnectBackoffMs = 1000;

// One Check in flight; its address is the completion-queue tag.
struct Call {
  grpc::ClientContext context;
  v1::CheckResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CheckResponse>> reader;
  Authorizer::Done done;
};

}  // namespace

absl::StatusOr<AuthorizeChannel> AuthorizeChannelFor(const config::Config& config) {
  AuthorizeChannel channel{.url = config.authorize_service_url,
                           .override_certificate_name = config.override_certificate_name};
  if (!config.certificate_authority_file.empty()) {
    absl::StatusOr<std::vector<tls::SslUniquePtr<X509>>> roots =
        tls::ReadCertificatesPem(config.certificate_authority_file);
    if (!roots.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("certificate_authority_file ", roots.status().message()));
    }
    absl::StatusOr<std::string> pem = tls::CertificatesToPem(*roots);
    if (!pem.ok()) return pem.status();
    channel.root_certificates_pem = *std::move(pem);
  }
  return channel;
}

absl::StatusOr<std::shared_ptr<GrpcAuthorizer>> GrpcAuthorizer::Create(
    const AuthorizeChannel& channel, const std::string& shared_secret) {
  const std::string& url = channel.url;
  absl::StatusOr<config::Url> parsed = config::ParseUrl(url);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("authorize_service_url ", url, ": ", parsed.status().message()));
  }
  grpc::ChannelArguments args;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  int default_port = 0;
  if (parsed->scheme == "http") {
    credentials = grpc::InsecureChannelCredentials();
    default_port = 80;
  } else if (parsed->scheme == "https") {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = channel.root_certificates_pem;
    credentials = grpc::SslCredentials(tls);
    if (!channel.override_certificate_name.empty()) {
      args.SetSslTargetNameOverride(channel.override_certificate_name);
    }
    default_port = 443;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "authorize_service_url ", url, ": scheme must be http or https, not ", parsed->scheme));
  }
  if (!parsed->path.empty() && parsed->path != "/") {
    return absl::InvalidArgumentError(
        absl::StrCat("authorize_service_url ", url, ": a gRPC service URL has no path"));
  }
  config::HostPort target = parsed->authority;
  if (!target.has_port) {
    target.port = default_port;
    target.has_port = true;
  }
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  std::shared_ptr<grpc::Channel> grpc_channel =
      grpc::CreateCustomChannel(absl::StrCat("dns:///", target.ToString()), credentials, args);
  // gRPC reports a channel that cannot connect only as a missed deadline
  // (calls wait for it to be ready), so the log says what to check.
  const std::string checks =
      parsed->scheme == "http"
          ? "is postern-authorize running there, serving plain text (grpc_insecure: true)?"
          : absl::StrCat(
                "is postern-authorize running there, serving TLS (grpc_insecure: false) with a "
                "certificate that verifies against ",
                channel.root_certificates_pem.empty() ? "the system trust store"
                                                      : "certificate_authority_file",
                " for the name ",
                channel.override_certificate_name.empty() ? target.host
                                                          : channel.override_certificate_name,
                "?");
  // Connect now rather than on the first tunnel, so that a fresh replica
  // turns ready (/readyz) as soon as authorize answers.
  grpc_channel->GetState(/*try_to_connect=*/true);
  return std::shared_ptr<GrpcAuthorizer>(
      new GrpcAuthorizer(url, shared_secret, checks, std::move(grpc_channel)));
}

GrpcAuthorizer::GrpcAuthorizer(std::string url, std::string shared_secret,
                               std::string connect_checks, std::shared_ptr<grpc::Channel> channel)
    : url_(std::move(url)),
      shared_secret_(std::move(shared_secret)),
      connect_checks_(std::move(connect_checks)),
      channel_(std::move(channel)),
      stub_(v1::Authorize::NewStub(channel_)),
      completion_thread_([this] { DrainCompletions(); }) {}

GrpcAuthorizer::~GrpcAuthorizer() {
  completions_.Shutdown();
  completion_thread_.join();
}

void GrpcAuthorizer::DrainCompletions() {
  void* tag = nullptr;
  bool ok = false;
  while (completions_.Next(&tag, &ok)) {
    TakeOver(tag);
    // Finish always completes with ok == true; the status says how it went.
    std::unique_ptr<Call> call(static_cast<Call*>(tag));
    NoteOutcome(call->status);
    if (call->status.ok()) {
      std::move(call->done)(std::move(call->response));
      continue;
    }
    const std::string message =
        absl::StrCat("authorization service unavailable: ", call->status.error_message());
    std::move(call->done)(call->status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                              ? absl::DeadlineExceededError(message)
                              : absl::UnavailableError(message));
  }
}

std::string GrpcAuthorizer::BearerToken() {
  const absl::Time now = absl::Now();
  std::shared_ptr<const Token> token = token_.Get();
  if (token == nullptr || now - token->minted >= kServiceTokenReuse || now < token->minted) {
    // Two threads may both mint here; either token is valid.
    auto fresh = std::make_shared<const Token>(
        Token{.bearer = absl::StrCat(
                  "Bearer ", session::MintServiceToken(session::AsSecret(shared_secret_), now)),
              .minted = now});
    token_.Set(fresh);
    token = std::move(fresh);
  }
  return token->bearer;
}

void GrpcAuthorizer::NoteOutcome(const grpc::Status& status) {
  // Only failures that say the service is gone or overwhelmed count; an RPC
  // error from a live service (e.g. refused service token) is logged as is.
  const bool unavailable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  if (unavailable) {
    connected_.store(false);
    if (!failing_.exchange(true)) {
      const bool channel_ready = channel_->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
      log::Error(
          "authorize service at %s unavailable (%s%s); tunnels are refused with 503 until it "
          "answers again",
          url_, status.error_message(),
          channel_ready ? "" : absl::StrCat("; not connected: ", connect_checks_));
    }
  } else if (status.ok()) {
    connected_.store(true);
    if (failing_.exchange(false)) log::Info("authorize service at %s answering again", url_);
  } else {
    log::Error("authorize service at %s failed a check: %s (gRPC code %d)", url_,
               status.error_message(), static_cast<int>(status.error_code()));
  }
}

void GrpcAuthorizer::Check(v1::CheckRequest request, absl::Duration timeout, Done done) {
  auto* call = new Call{.done = std::move(done)};
  call->context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
  call->context.set_wait_for_ready(true);
  call->context.AddMetadata("authorization", BearerToken());
  // PrepareAsyncCheck serializes the request; it need not outlive this call.
  call->reader = stub_->PrepareAsyncCheck(&call->context, request, &completions_);
  call->reader->StartCall();
  HandOver(call);  // from here on, call belongs to DrainCompletions
  call->reader->Finish(&call->response, &call->status, call);
}

bool GrpcAuthorizer::Reachable() {
  switch (channel_->GetState(/*try_to_connect=*/true)) {
    case GRPC_CHANNEL_READY:
      connected_.store(true);
      return true;
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
    case GRPC_CHANNEL_SHUTDOWN:
      connected_.store(false);
      return false;
    case GRPC_CHANNEL_IDLE:
    case GRPC_CHANNEL_CONNECTING:
      // Not settled: a channel that has never connected (a fresh proxy, or
      // authorize down since start) is not reachable; one that went idle
      // after answering is, until a connection attempt says otherwise.
      break;
  }
  return connected_.load();
}

}  // namespace postern::proxy
