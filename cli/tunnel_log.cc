#include "cli/tunnel_log.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace postern::cli {
namespace {

std::string Why(const tunnel::RelayResult& result) {
  switch (result.end) {
    case tunnel::RelayEnd::kClientClosed:
      return "local side finished first";
    case tunnel::RelayEnd::kUpstreamClosed:
      return "remote side finished first";
    case tunnel::RelayEnd::kIdleTimeout:
      return "idle timeout";
    case tunnel::RelayEnd::kMaxDuration:
      return "maximum duration";
    case tunnel::RelayEnd::kClientError:
      return absl::StrCat("local connection failed: ", result.error);
    case tunnel::RelayEnd::kUpstreamError:
      return absl::StrCat("proxy connection failed: ", result.error);
    case tunnel::RelayEnd::kShutdown:
      return "shutting down";
    case tunnel::RelayEnd::kInternalError:
      return absl::StrCat("internal error: ", result.error);
  }
  return "unknown";
}

}  // namespace

std::string ConnectedText(const std::string& tls_version, bool resumed, bool verified) {
  return absl::StrCat("connected (", tls_version, resumed ? ", resumed session" : ", new session",
                      verified ? "" : ", proxy NOT verified", ")");
}

std::string ClosedText(const tunnel::RelayResult& result) {
  const double seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(result.duration).count() / 1000.0;
  return absl::StrFormat("closed after %.3fs: %d bytes sent, %d bytes received (%s)", seconds,
                         result.bytes_to_upstream, result.bytes_to_client, Why(result));
}

}  // namespace postern::cli
