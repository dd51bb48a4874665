// The browser login of `postern tcp`: what happens when the proxy answers a
// CONNECT with 401. A loopback callback listener, the proxy's sign-in URL
// opened in a browser (or printed), the session token the browser walk
// delivers to the listener, and the token cached for the next connection
// and the next process.
//
//   BrowserLogin login({.proxy = d.proxy, .tls = {.ca_cert_file = ca}, .cache = &cache});
//   absl::StatusOr<std::string> token = co_await login.Login();
//   if (!token.ok()) { log::Error("%s", token.status().message()); ... }
//
// Login sharing between concurrent connections is the dialer's job
// (tunnel_dialer.h); this class runs one login per call.
#ifndef POSTERN_CLI_BROWSER_LOGIN_H_
#define POSTERN_CLI_BROWSER_LOGIN_H_

#include <boost/asio/awaitable.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/token_cache.h"
#include "common/tls/client_context.h"
#include "common/tunnel/authority.h"

namespace postern::cli {

struct LoginOptions {
  tunnel::Authority proxy;  // asked for the sign-in URL, over https
  tls::ClientOptions tls;   // the same trust as the tunnels
  // Program run with the sign-in URL as its one argument (--browser-cmd);
  // empty: the desktop's opener (xdg-open; open on macOS) if there is a
  // display, else the URL is printed.
  std::string browser_cmd;
  bool no_browser = false;  // --no-browser: always print the URL
  // Where the token is stored after a login; null: not stored.
  const TokenCache* cache = nullptr;
  // How long the user has to finish signing in.
  absl::Duration timeout = absl::Minutes(5);
};

// LoginTimeoutFromEnvironment returns $POSTERN_LOGIN_TIMEOUT_SECONDS if it is
// a positive integer (a knob for tests), else five minutes.
absl::Duration LoginTimeoutFromEnvironment();

// BrowserLogin runs browser logins against one proxy. Use from one thread.
class BrowserLogin {
 public:
  explicit BrowserLogin(LoginOptions options) : options_(std::move(options)) {}

  // Login runs one login and returns the session token (a secret, never
  // logged), already stored in the cache if there is one (a failure to store
  // is only a warning). Never throws. Errors, each a sentence for the user:
  // kUnavailable (the proxy did not give a sign-in URL, the callback listener
  // could not open, the browser program could not start), kDeadlineExceeded
  // (not completed within the timeout), kCancelled (the awaiting coroutine
  // was cancelled).
  boost::asio::awaitable<absl::StatusOr<std::string>> Login();

 private:
  LoginOptions options_;
};

}  // namespace postern::cli

#endif  // POSTERN_CLI_BROWSER_LOGIN_H_
