// The log lines of one tunnel's life in the CLI, shared by the local
// listener and the stdin/stdout tunnel so that both read alike:
//
//   #3 connection from 127.0.0.1:50312; connecting to redis.corp:6379 via proxy.corp:443
//   #3 connected (TLSv1.3, resumed session)
//   #3 closed after 2.014s: 120 bytes sent, 3456 bytes received (local side finished first)
//   #4 failed: access to redis.corp:6379 denied by policy (403: ...)
#ifndef POSTERN_CLI_TUNNEL_LOG_H_
#define POSTERN_CLI_TUNNEL_LOG_H_

#include <string>

#include "common/tunnel/relay.h"

namespace postern::cli {

// ConnectedText returns "connected (TLSv1.3, resumed session)" or
// "... new session", with a reminder when verification is off.
std::string ConnectedText(const std::string& tls_version, bool resumed, bool verified);

// ClosedText returns "closed after 2.014s: N bytes sent, M bytes received
// (why)" for a finished relay, where the local application is the relay's
// client and the proxy its upstream.
std::string ClosedText(const tunnel::RelayResult& result);

}  // namespace postern::cli

#endif  // POSTERN_CLI_TUNNEL_LOG_H_
