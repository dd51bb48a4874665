#include "common/config/error_text.h"

#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/config/absl_view.h"

namespace postern::config {

std::string QuoteForError(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  const bool shortened = text.size() > kMaxShown;
  if (shortened) text = text.substr(0, kMaxShown);
  return absl::StrCat("\"", absl::CHexEscape(AbslView(text)), shortened ? "...\"" : "\"");
}

std::string FormatPosition(std::string_view file_name, policy::SourcePosition position) {
  if (position.line <= 0) return std::string(file_name);
  return absl::StrCat(AbslView(file_name), ":", position.line, ":", position.column);
}

}  // namespace postern::config
