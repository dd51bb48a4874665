// The version every binary prints for --version.
#ifndef POSTERN_COMMON_VERSION_H_
#define POSTERN_COMMON_VERSION_H_

namespace postern {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace postern

#endif  // POSTERN_COMMON_VERSION_H_
