// Session tokens cached on the workstation, one file per proxy, so that one
// login serves every later `postern tcp` to that proxy.
//
//   absl::StatusOr<std::string> dir = DefaultCacheDirectory();   // ~/.cache/postern
//   TokenCache cache(*dir);
//   absl::StatusOr<std::string> token = cache.Load(proxy, absl::Now());
//   if (token.ok()) { ...send it... } else { log::Debug("%s", token.status().message()); }
//   cache.Store(proxy, fresh_token);                             // after a login
//
// Files are <directory>/<proxy host:port, percent-encoded>.jwt, mode 0600,
// in a directory created 0700. The directory may hold other things (Bazel's
// disk cache lives under ~/.cache/postern on developer machines), so Clear
// removes only token files.
#ifndef POSTERN_CLI_TOKEN_CACHE_H_
#define POSTERN_CLI_TOKEN_CACHE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/tunnel/authority.h"

namespace postern::cli {

// CacheDirectoryFor returns the token directory given the values of
// $XDG_CACHE_HOME and $HOME (null when unset): $XDG_CACHE_HOME/postern if
// that is an absolute path (the XDG spec says to ignore relative ones), else
// $HOME/.cache/postern. kFailedPrecondition if neither gives a directory.
absl::StatusOr<std::string> CacheDirectoryFor(const char* xdg_cache_home, const char* home);

// DefaultCacheDirectory is CacheDirectoryFor this process's environment.
absl::StatusOr<std::string> DefaultCacheDirectory();

// TokenCache reads and writes the token files in one directory. Holds no
// state besides the path; safe to use from several threads and processes
// (writes replace a file atomically).
class TokenCache {
 public:
  explicit TokenCache(std::string directory) : directory_(std::move(directory)) {}

  const std::string& directory() const { return directory_; }

  // PathFor returns the file that holds `proxy`'s token.
  std::string PathFor(const tunnel::Authority& proxy) const;

  // Load returns the token cached for `proxy` if its `exp` is after `now`
  // (read without verification: the CLI holds no key, and the proxy checks
  // the token anyway; this only avoids sending one that is certainly stale).
  // Otherwise kNotFound with the reason (no file; expired at ...; not a
  // token; not a regular file; owned by another user or writable by
  // others), which never includes the token.
  absl::StatusOr<std::string> Load(const tunnel::Authority& proxy, absl::Time now) const;

  // Store writes `token` as `proxy`'s token: the directory is created (0700)
  // if missing, the file written 0600 under a temporary name and renamed
  // into place. Errors name the path.
  absl::Status Store(const tunnel::Authority& proxy, std::string_view token) const;

  // Clear removes every token file in the directory and returns how many;
  // a missing directory is an empty cache. Errors name the path.
  absl::StatusOr<int> Clear() const;

 private:
  std::string directory_;
};

}  // namespace postern::cli

#endif  // POSTERN_CLI_TOKEN_CACHE_H_
