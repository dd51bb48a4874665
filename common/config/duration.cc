#include "common/config/duration.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/config/error_text.h"

namespace postern::config {
namespace {

struct Unit {
  std::string_view name;
  absl::Duration size;
};

// Longest names first so "ms" is not read as "m" followed by "s".
const Unit kUnits[] = {
    {"ns", absl::Nanoseconds(1)},
    {"us", absl::Microseconds(1)},
    {"\xC2\xB5s", absl::Microseconds(1)},  // U+00B5 micro sign
    {"\xCE\xBCs", absl::Microseconds(1)},  // U+03BC Greek mu
    {"ms", absl::Milliseconds(1)},
    {"s", absl::Seconds(1)},
    {"m", absl::Minutes(1)},
    {"h", absl::Hours(1)},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text) {
  const auto error = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a duration such as 14h, 1h30m, 90s or 500ms, got ", QuoteForError(text)));
  };
  // Go's limit: the largest int64 count of nanoseconds.
  const absl::Duration kMax = absl::Nanoseconds(INT64_MAX);
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return absl::ZeroDuration();
  if (rest.empty()) return error();
  absl::Duration total = absl::ZeroDuration();
  while (!rest.empty()) {
    // Whole part, then an optional fraction; at least one digit overall.
    int64_t whole = 0;
    size_t whole_digits = 0;
    bool overflow = false;
    while (!rest.empty() && IsDigit(rest.front())) {
      if (whole > (INT64_MAX - 9) / 10) overflow = true;
      if (!overflow) whole = whole * 10 + (rest.front() - '0');
      rest.remove_prefix(1);
      ++whole_digits;
    }
    int64_t fraction = 0, scale = 1;
    size_t fraction_digits = 0;
    if (!rest.empty() && rest.front() == '.') {
      rest.remove_prefix(1);
      while (!rest.empty() && IsDigit(rest.front())) {
        // Twelve digits resolve 4 ns of an hour; more would overflow
        // unit * fraction below, and Go's extra precision is invisible here.
        if (scale < 1'000'000'000'000) {
          fraction = fraction * 10 + (rest.front() - '0');
          scale *= 10;
        }
        rest.remove_prefix(1);
        ++fraction_digits;
      }
    }
    if (whole_digits + fraction_digits == 0) return error();
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (rest.substr(0, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return error();
    rest.remove_prefix(unit->name.size());
    if (overflow) {
      return absl::InvalidArgumentError(
          absl::StrCat("duration ", QuoteForError(text), " out of range"));
    }
    // absl::Duration saturates instead of wrapping, so the range check below
    // catches every overflow.
    total += unit->size * whole + (unit->size * fraction) / scale;
    if (total > kMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("duration ", QuoteForError(text), " out of range"));
    }
  }
  // Go counts whole nanoseconds; absl keeps quarter nanoseconds.
  total = absl::Trunc(total, absl::Nanoseconds(1));
  return negative ? -total : total;
}

}  // namespace postern::config
