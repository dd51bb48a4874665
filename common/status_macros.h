// POSTERN_RETURN_IF_ERROR: early return of a failed absl::Status, for the
// loaders and parsers whose every step can reject the input.
//
//   absl::Status LoadRoute(...) {
//     POSTERN_RETURN_IF_ERROR(ReadFrom(node, &route));
//     POSTERN_RETURN_IF_ERROR(ReadTo(node, &route));
//     return absl::OkStatus();
//   }
#ifndef POSTERN_COMMON_STATUS_MACROS_H_
#define POSTERN_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"

// POSTERN_RETURN_IF_ERROR evaluates `expr` (an absl::Status) once and returns
// it from the enclosing function unless it is OK. The enclosing function may
// return absl::Status or any absl::StatusOr<T>.
#define POSTERN_RETURN_IF_ERROR(expr)                                   \
  do {                                                                  \
    if (absl::Status postern_status_ = (expr); !postern_status_.ok()) { \
      return postern_status_;                                           \
    }                                                                   \
  } while (0)

#endif  // POSTERN_COMMON_STATUS_MACROS_H_
