// `postern-authorize eval`: an offline dry-run of one decision.
//
// Operators run it in CI to test a policy change before deploying it:
//
//   echo '{"route": "tcp+https://redis.corp.example.com:6379",
//          "session": {"email": "a@example.com", "groups": ["eng"]}}' |
//     postern-authorize eval --config config.yaml
//   {"decision":"allow","reasons":["allow: rule 1 (4:7): groups has eng"]}
//
// The request names a route by its `from` (or its "host:port" key) and gives
// the identity directly, so no token or secret is needed; `eval` reads only
// `routes` from the config file.
#ifndef POSTERN_AUTHORIZE_EVAL_COMMAND_H_
#define POSTERN_AUTHORIZE_EVAL_COMMAND_H_

#include <iosfwd>
#include <string>

namespace postern::authorize {

// RunEval evaluates the JSON request read from `in` against the routes of
// `config_path`, writes the JSON answer to `out` and problems to `err`.
// Returns the process exit status: 0 allow, 1 deny or unauthenticated,
// 2 bad request, unknown route or bad config.
int RunEval(const std::string& config_path, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_EVAL_COMMAND_H_
