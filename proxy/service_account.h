// `postern-proxy service-account`: mints a session token for automation (CI
// jobs, scripts, tests), so tunnels can be used before, or without, a browser
// login. Whoever can read the config's shared_secret can do this anyway; the
// command only saves writing a JWT by hand.
//
//   $ postern-proxy service-account --config config.yaml --email deploy@example.com --ttl 1h
//   eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9....
//
// The token is an ordinary session (DESIGN.md, "Session JWT"): subject
// --user (default: the email), the email, the groups, aud "postern", valid
// from now for --ttl (default 1h). Policies match it like any user's.
#ifndef POSTERN_PROXY_SERVICE_ACCOUNT_H_
#define POSTERN_PROXY_SERVICE_ACCOUNT_H_

#include <ostream>
#include <string>
#include <vector>

namespace postern::proxy {

// RunServiceAccount runs the subcommand with `args` (after
// "service-account"), prints the token and a newline to `out`, and returns
// the exit status: 0 success, 2 bad usage or bad config (reason on `err`).
int RunServiceAccount(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_SERVICE_ACCOUNT_H_
