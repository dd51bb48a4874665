// Debian's abseil 20220623 is built with its own absl::string_view rather
// than an alias of std::string_view, so a std::string_view must be converted
// before it reaches StrCat, StrSplit, ParseTime and friends, and back when an
// abseil result feeds our std::string_view APIs.
//
//   absl::StrCat("got ", AbslView(name));
#ifndef POSTERN_COMMON_CONFIG_ABSL_VIEW_H_
#define POSTERN_COMMON_CONFIG_ABSL_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace postern::config {

inline absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view StdView(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_ABSL_VIEW_H_
