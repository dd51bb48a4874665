#include "cli/token_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/session/session.h"

namespace postern::cli {
namespace {

constexpr char kSuffix[] = ".jwt";
constexpr char kTempInfix[] = ".jwt.tmp.";
// A session token is a few KiB at most; anything larger is not one of ours.
constexpr std::size_t kMaxTokenFileSize = 64 * 1024;

std::string ErrnoText(int error) { return std::strerror(error); }

// Percent-encodes everything but the characters of a DNS name, so that every
// host:port (IPv6 literals too) maps to its own file name and back.
std::string FileNameFor(const tunnel::Authority& proxy) {
  std::string name;
  for (char c : proxy.ToString()) {
    if (absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_') {
      name.push_back(c);
    } else {
      absl::StrAppendFormat(&name, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return absl::StrCat(name, kSuffix);
}

bool IsTokenFileName(std::string_view name) {
  return name.ends_with(kSuffix) || name.find(kTempInfix) != std::string_view::npos;
}

absl::Status MakeDirectory(const std::string& path) {
  // The parent (~/.cache) may not exist on a fresh account either.
  if (std::size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    if (absl::Status parent = MakeDirectory(path.substr(0, slash)); !parent.ok()) return parent;
  }
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("cannot create cache directory ", path, ": ", ErrnoText(errno)));
}

}  // namespace

absl::StatusOr<std::string> CacheDirectoryFor(const char* xdg_cache_home, const char* home) {
  if (xdg_cache_home != nullptr && xdg_cache_home[0] == '/') {
    return absl::StrCat(xdg_cache_home, "/postern");
  }
  if (home != nullptr && home[0] != '\0') return absl::StrCat(home, "/.cache/postern");
  return absl::FailedPreconditionError(
      "cannot tell where to cache session tokens: set HOME or XDG_CACHE_HOME");
}

absl::StatusOr<std::string> DefaultCacheDirectory() {
  return CacheDirectoryFor(getenv("XDG_CACHE_HOME"), getenv("HOME"));
}

std::string TokenCache::PathFor(const tunnel::Authority& proxy) const {
  return absl::StrCat(directory_, "/", FileNameFor(proxy));
}

absl::StatusOr<std::string> TokenCache::Load(const tunnel::Authority& proxy, absl::Time now) const {
  const std::string path = PathFor(proxy);
  const std::string what = absl::StrCat("cached session for ", proxy.ToString());
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("no ", what, " (", path, ": ", ErrnoText(errno), ")"));
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::size_t>(info.st_size) > kMaxTokenFileSize) {
    return absl::NotFoundError(absl::StrCat(what, " ignored: ", path, " is not a token file"));
  }
  // A file another user owns (planted through a directory others can
  // write) or one others can rewrite could hold their session, and every
  // tunnel would then run as them: never use it.
  if (info.st_uid != geteuid()) {
    return absl::NotFoundError(absl::StrCat(what, " ignored: ", path, " belongs to another user"));
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return absl::NotFoundError(
        absl::StrCat(what, " ignored: ", path, " is writable by other users"));
  }
  std::string contents(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t filled = 0;
  while (filled < contents.size()) {
    ssize_t n = read(fd, contents.data() + filled, contents.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    filled += static_cast<std::size_t>(n);
  }
  contents.resize(filled);
  std::string token(absl::StripAsciiWhitespace(contents));
  absl::StatusOr<absl::Time> expiry = session::ReadExpiryUnverified(token);
  if (!expiry.ok()) {
    return absl::NotFoundError(absl::StrCat(what, " ignored: ", path, " holds no session token"));
  }
  if (*expiry <= now) {
    return absl::NotFoundError(
        absl::StrCat(what, " expired at ",
                     absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *expiry, absl::UTCTimeZone())));
  }
  return token;
}

absl::Status TokenCache::Store(const tunnel::Authority& proxy, std::string_view token) const {
  if (absl::Status status = MakeDirectory(directory_); !status.ok()) return status;
  const std::string path = PathFor(proxy);
  std::string temp = absl::StrCat(directory_, "/", FileNameFor(proxy), ".tmp.XXXXXX");
  int fd = mkostemp(temp.data(), O_CLOEXEC);  // creates the file 0600
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write session token to ", directory_, ": ", ErrnoText(errno)));
  }
  bool renamed = false;
  absl::Cleanup cleanup = [&] {
    if (fd >= 0) close(fd);
    if (!renamed) unlink(temp.c_str());
  };
  std::string contents = absl::StrCat(std::string(token), "\n");
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write session token to ", temp, ": ", ErrnoText(errno)));
    }
    written += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write session token to ", temp, ": ", ErrnoText(errno)));
  }
  fd = -1;
  if (rename(temp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot replace ", path, ": ", ErrnoText(errno)));
  }
  renamed = true;
  return absl::OkStatus();
}

absl::StatusOr<int> TokenCache::Clear() const {
  DIR* dir = opendir(directory_.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return 0;
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read cache directory ", directory_, ": ", ErrnoText(errno)));
  }
  absl::Cleanup close_dir = [dir] { closedir(dir); };
  int removed = 0;
  while (dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (!IsTokenFileName(name)) continue;
    struct stat info;
    if (fstatat(dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0 ||
        !(S_ISREG(info.st_mode) || S_ISLNK(info.st_mode))) {
      continue;
    }
    if (unlinkat(dirfd(dir), entry->d_name, 0) != 0) {
      return absl::FailedPreconditionError(absl::StrCat("cannot remove ", directory_, "/",
                                                        std::string(name), ": ", ErrnoText(errno)));
    }
    if (name.ends_with(kSuffix)) ++removed;
  }
  return removed;
}

}  // namespace postern::cli
