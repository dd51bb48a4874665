// The access log: one JSON line per CONNECT attempt, written when it ends
// (refusals too), to stderr with the rest of the process's log.
//
//   AccessRecord record{.client = "127.0.0.1:50312", .authority = "redis.corp.example.com:6379"};
//   ... fill in as the tunnel progresses ...
//   WriteAccessLine(record, absl::Now());
//
// writes
//   {"time":"...","log":"access","client":"127.0.0.1:50312","user":"u1",
//    "email":"a@example.com","session_id":"...","authority":"redis.corp.example.com:6379",
//    "route":"tcp+https://redis.corp.example.com:6379","upstream":"redis.internal:6379",
//    "decision":"allow","status":200,"bytes_up":120,"bytes_down":4096,
//    "duration_ms":5321,"close_reason":"client closed"}
//
// Never a token: the record has no field that could hold one, and the reasons
// the proxy puts in close_reason are the parser's and policy's, which never
// quote it.
#ifndef POSTERN_PROXY_ACCESS_LOG_H_
#define POSTERN_PROXY_ACCESS_LOG_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace postern::proxy {

struct AccessRecord {
  std::string client;  // "ip:port" of the TLS client
  std::string user;    // the session's subject, once authorize answered
  std::string email;
  std::string session_id;        // the session token's jti (never the token)
  std::string authority;         // the CONNECT target as the client wrote it (canonical form)
  std::string route;             // the matched route's `from`; empty if none
  std::string upstream;          // the route's `to` host:port; empty if none
  std::string upstream_address;  // the address actually connected to, "ip:port"
  std::string decision;          // see Admission::decision; empty if authorize was not asked
  int status = 0;                // the HTTP status sent; 0 if none was (client left first)
  uint64_t bytes_up = 0;         // client -> upstream, tunnel bytes only
  uint64_t bytes_down = 0;       // upstream -> client
  absl::Duration duration;       // from accepting the connection to closing it
  std::string close_reason;
};

// FormatAccessLine returns the record as one JSON line (ending in '\n'),
// fields in the order above, "time" first and "log":"access" second so the
// lines are easy to pick out of the process's stderr.
std::string FormatAccessLine(const AccessRecord& record, absl::Time time);

// WriteAccessLine writes FormatAccessLine(record, time) to stderr with one
// write(). Thread-safe.
void WriteAccessLine(const AccessRecord& record, absl::Time time);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_ACCESS_LOG_H_
