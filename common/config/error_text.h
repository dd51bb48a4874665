// Small pieces every config and policy error message is made of.
//
//   FormatPosition("config.yaml", {14, 9})  -> "config.yaml:14:9"
//   QuoteForError("a\nb")                   -> "\"a\\nb\""
#ifndef POSTERN_COMMON_CONFIG_ERROR_TEXT_H_
#define POSTERN_COMMON_CONFIG_ERROR_TEXT_H_

#include <string>
#include <string_view>

#include "common/policy/ppl.h"

namespace postern::config {

// QuoteForError renders text a user wrote for an error message: quoted, with
// control and non-ASCII bytes escaped (so a hostile file cannot forge log
// lines) and shortened past 80 bytes. Never pass it a secret.
std::string QuoteForError(std::string_view text);

// FormatPosition is "file:line:col" (or just "file" without a position).
std::string FormatPosition(std::string_view file_name, policy::SourcePosition position);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_ERROR_TEXT_H_
