#include "cli/token_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "cli/test_tokens.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const tunnel::Authority kProxy{.host = "proxy.example.com", .port = 443};
const tunnel::Authority kOtherProxy{.host = "proxy.example.com", .port = 8443};
const tunnel::Authority kIpv6Proxy{.host = "::1", .port = 443};

std::string FreshDirectory(const std::string& name) {
  std::string dir = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  return dir;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

TEST(CacheDirectoryTest, XdgCacheHomeThenHome) {
  EXPECT_EQ(*CacheDirectoryFor("/x/cache", "/home/u"), "/x/cache/postern");
  EXPECT_EQ(*CacheDirectoryFor(nullptr, "/home/u"), "/home/u/.cache/postern");
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  EXPECT_EQ(*CacheDirectoryFor("relative", "/home/u"), "/home/u/.cache/postern");
  EXPECT_EQ(*CacheDirectoryFor("", "/home/u"), "/home/u/.cache/postern");
  absl::StatusOr<std::string> none = CacheDirectoryFor(nullptr, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("HOME"));
}

TEST(TokenCacheTest, StoresOneFilePerProxyWithPrivateModes) {
  TokenCache cache(FreshDirectory("store") + "/nested/postern");
  const absl::Time now = absl::Now();
  const std::string token = TokenExpiringAt(now + absl::Hours(1));
  const std::string other = TokenExpiringAt(now + absl::Hours(2));
  ASSERT_TRUE(cache.Store(kProxy, token).ok());
  ASSERT_TRUE(cache.Store(kOtherProxy, other).ok());

  EXPECT_EQ(*cache.Load(kProxy, now), token);
  EXPECT_EQ(*cache.Load(kOtherProxy, now), other);
  EXPECT_NE(cache.PathFor(kProxy), cache.PathFor(kOtherProxy));

  struct stat info;
  ASSERT_EQ(stat(cache.directory().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(cache.PathFor(kProxy).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(TokenCacheTest, StoreReplacesTheEarlierToken) {
  TokenCache cache(FreshDirectory("replace"));
  const absl::Time now = absl::Now();
  ASSERT_TRUE(cache.Store(kProxy, TokenExpiringAt(now + absl::Hours(1))).ok());
  const std::string newer = TokenExpiringAt(now + absl::Hours(3));
  ASSERT_TRUE(cache.Store(kProxy, newer).ok());
  EXPECT_EQ(*cache.Load(kProxy, now), newer);
}

TEST(TokenCacheTest, FileNamesAreDistinctAndSafeForIpv6) {
  TokenCache cache(FreshDirectory("ipv6"));
  const std::string path = cache.PathFor(kIpv6Proxy);
  EXPECT_EQ(path, cache.directory() + "/%5B%3A%3A1%5D%3A443.jwt");
  EXPECT_EQ(cache.PathFor(kProxy), cache.directory() + "/proxy.example.com%3A443.jwt");
  const absl::Time now = absl::Now();
  ASSERT_TRUE(cache.Store(kIpv6Proxy, TokenExpiringAt(now + absl::Hours(1))).ok());
  EXPECT_TRUE(cache.Load(kIpv6Proxy, now).ok());
}

TEST(TokenCacheTest, MissesSayWhy) {
  TokenCache cache(FreshDirectory("misses"));
  const absl::Time now = absl::Now();
  absl::StatusOr<std::string> missing = cache.Load(kProxy, now);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no cached session for proxy.example.com:443"));

  const std::string expired = TokenExpiringAt(now - absl::Seconds(1));
  ASSERT_TRUE(cache.Store(kProxy, expired).ok());
  absl::StatusOr<std::string> stale = cache.Load(kProxy, now);
  ASSERT_FALSE(stale.ok());
  EXPECT_THAT(stale.status().message(), HasSubstr("expired at"));
  EXPECT_THAT(stale.status().message(), ::testing::Not(HasSubstr(expired)));

  WriteFile(cache.PathFor(kProxy), "not a token\n");
  absl::StatusOr<std::string> junk = cache.Load(kProxy, now);
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(junk.status().message(), HasSubstr("holds no session token"));
}

TEST(TokenCacheTest, ToleratesSurroundingWhitespace) {
  TokenCache cache(FreshDirectory("whitespace"));
  const absl::Time now = absl::Now();
  const std::string token = TokenExpiringAt(now + absl::Hours(1));
  ASSERT_TRUE(cache.Store(kProxy, "").ok());  // creates the directory
  WriteFile(cache.PathFor(kProxy), "\n  " + token + "\r\n");
  EXPECT_EQ(*cache.Load(kProxy, now), token);
}

TEST(TokenCacheTest, SymlinksAreNotFollowed) {
  TokenCache cache(FreshDirectory("symlink"));
  const absl::Time now = absl::Now();
  ASSERT_TRUE(cache.Store(kOtherProxy, TokenExpiringAt(now + absl::Hours(1))).ok());
  ASSERT_EQ(symlink(cache.PathFor(kOtherProxy).c_str(), cache.PathFor(kProxy).c_str()), 0);
  EXPECT_FALSE(cache.Load(kProxy, now).ok());
}

TEST(TokenCacheTest, AFileOthersCanWriteIsNotUsed) {
  TokenCache cache(FreshDirectory("writable"));
  const absl::Time now = absl::Now();
  const std::string token = TokenExpiringAt(now + absl::Hours(1));
  ASSERT_TRUE(cache.Store(kProxy, token).ok());
  ASSERT_EQ(chmod(cache.PathFor(kProxy).c_str(), 0622), 0);
  absl::StatusOr<std::string> loaded = cache.Load(kProxy, now);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("is writable by other users"));
  EXPECT_THAT(loaded.status().message(), Not(HasSubstr(token)));
  // Readable by others is the user's choice, not a way to plant a session.
  ASSERT_EQ(chmod(cache.PathFor(kProxy).c_str(), 0644), 0);
  EXPECT_EQ(*cache.Load(kProxy, now), token);
}

TEST(TokenCacheTest, ClearRemovesOnlyTokenFiles) {
  TokenCache cache(FreshDirectory("clear"));
  const absl::Time now = absl::Now();
  ASSERT_TRUE(cache.Store(kProxy, TokenExpiringAt(now + absl::Hours(1))).ok());
  ASSERT_TRUE(cache.Store(kIpv6Proxy, TokenExpiringAt(now + absl::Hours(1))).ok());
  // Other things share the directory (Bazel's disk cache on developer machines).
  const std::string unrelated_dir = cache.directory() + "/bazel-disk-cache";
  ASSERT_EQ(mkdir(unrelated_dir.c_str(), 0700), 0);
  WriteFile(unrelated_dir + "/blob.jwt", "keep");
  WriteFile(cache.directory() + "/notes.txt", "keep");

  absl::StatusOr<int> removed = cache.Clear();
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 2);
  EXPECT_FALSE(cache.Load(kProxy, now).ok());
  EXPECT_FALSE(cache.Load(kIpv6Proxy, now).ok());
  EXPECT_EQ(access((unrelated_dir + "/blob.jwt").c_str(), F_OK), 0);
  EXPECT_EQ(access((cache.directory() + "/notes.txt").c_str(), F_OK), 0);
  EXPECT_EQ(*cache.Clear(), 0);
}

TEST(TokenCacheTest, ClearOfAMissingDirectoryIsEmpty) {
  TokenCache cache(FreshDirectory("never-created"));
  absl::StatusOr<int> removed = cache.Clear();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0);
}

}  // namespace
}  // namespace postern::cli
