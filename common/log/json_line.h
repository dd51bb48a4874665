// One JSON object per line, for access and decision logs that machines read.
//
//   JsonLine(absl::Now())
//       .AddString("user", session.email)
//       .AddString("route", route.from)
//       .AddString("decision", "allow")
//       .AddInt("bytes_up", up)
//       .AddDouble("duration_s", seconds)
//       .AddStringList("reasons", reasons)
//       .WriteTo(STDOUT_FILENO);
//
// writes {"time":"2026-11-24T10:00:00.123Z","user":"a@example.com",...}\n
// "time" (RFC 3339, UTC, milliseconds) always comes first so that lines sort
// and grep by time. Strings are escaped per RFC 8259; bytes that are not
// valid UTF-8 become U+FFFD, so every line is valid JSON whatever the input.
#ifndef POSTERN_COMMON_LOG_JSON_LINE_H_
#define POSTERN_COMMON_LOG_JSON_LINE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "absl/types/span.h"

namespace postern::log {

// JsonLine builds one log line. Fields appear in the order they are added;
// the caller keeps keys unique and does not use "time". Not thread-safe (build
// it on one thread); WriteTo is safe to call concurrently with other writers.
class JsonLine {
 public:
  explicit JsonLine(absl::Time time);

  JsonLine& AddString(std::string_view key, std::string_view value);
  JsonLine& AddInt(std::string_view key, int64_t value);
  // Non-finite values (which JSON cannot represent) are written as null.
  JsonLine& AddDouble(std::string_view key, double value);
  JsonLine& AddBool(std::string_view key, bool value);
  JsonLine& AddStringList(std::string_view key, absl::Span<const std::string> values);

  // Line returns the complete object followed by '\n'.
  std::string Line() const;

  // WriteTo writes Line() to `fd` with one write() (see log::WriteLine).
  void WriteTo(int fd) const;

 private:
  void AddKey(std::string_view key);

  std::string fields_;  // `{"time":"..."` and every added `,"key":value`
};

// AppendJsonString appends `text` to `out` as a quoted, escaped JSON string
// (invalid UTF-8 replaced by U+FFFD). Exposed for other JSON writers.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace postern::log

#endif  // POSTERN_COMMON_LOG_JSON_LINE_H_
