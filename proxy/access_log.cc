#include "proxy/access_log.h"

#include <unistd.h>

#include "common/log/json_line.h"
#include "common/log/log.h"

namespace postern::proxy {

std::string FormatAccessLine(const AccessRecord& record, absl::Time time) {
  log::JsonLine line(time);
  line.AddString("log", "access")
      .AddString("client", record.client)
      .AddString("user", record.user)
      .AddString("email", record.email)
      .AddString("session_id", record.session_id)
      .AddString("authority", record.authority)
      .AddString("route", record.route)
      .AddString("upstream", record.upstream)
      .AddString("upstream_address", record.upstream_address)
      .AddString("decision", record.decision)
      .AddInt("status", record.status)
      .AddInt("bytes_up", static_cast<int64_t>(record.bytes_up))
      .AddInt("bytes_down", static_cast<int64_t>(record.bytes_down))
      .AddInt("duration_ms", absl::ToInt64Milliseconds(record.duration))
      .AddString("close_reason", record.close_reason);
  return line.Line();
}

void WriteAccessLine(const AccessRecord& record, absl::Time time) {
  log::WriteLine(STDERR_FILENO, FormatAccessLine(record, time));
}

}  // namespace postern::proxy
