#include "proxy/authenticate/redirect_whitelist.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

const std::vector<std::string> kDefault = {"localhost"};

TEST(RedirectWhitelistTest, AcceptsTheCliLoopbackListener) {
  struct Case {
    const char* uri;
    const char* want;
  };
  for (const Case& c : {
           Case{"http://127.0.0.1:8000", "http://127.0.0.1:8000/"},
           Case{"http://127.0.0.1:8000/", "http://127.0.0.1:8000/"},
           Case{"http://127.0.0.1:8000/cb?x=1&y=2", "http://127.0.0.1:8000/cb?x=1&y=2"},
           Case{"http://127.1.2.3:9/", "http://127.1.2.3:9/"},
           Case{"http://[::1]:8000/", "http://[::1]:8000/"},
           Case{"http://localhost:8000/", "http://localhost:8000/"},
           Case{"http://LocalHost:8000/", "http://localhost:8000/"},
           Case{"http://127.0.0.1/", "http://127.0.0.1/"},
       }) {
    absl::StatusOr<std::string> got = CheckProgrammaticRedirect(c.uri, kDefault);
    ASSERT_TRUE(got.ok()) << c.uri << ": " << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(RedirectWhitelistTest, RefusesEverythingElse) {
  for (const char* uri : {
           "",
           "http://evil.com/",
           "https://127.0.0.1:8000/",     // the CLI listens on plain http
           "http://127.0.0.1.evil.com/",  // a name that starts like an address
           "http://localhost.evil.com/",
           "http://evil.com/?http://127.0.0.1/",
           "http://127.0.0.1@evil.com/",  // user info: the host is evil.com
           "http://evil.com@127.0.0.1/",  // user info is refused even when the host is fine
           "http://@127.0.0.1/",
           "http://127.0.0.1:8000/#frag",
           "http://127.0.0.1:/",
           "http://127.0.0.1:0/",
           "http://%31%32%37.0.0.1/",  // percent-encoded host
           "http://2130706433/",       // 127.0.0.1 as one number is a name, not allowed
           "http://127.1/",
           "http://0.0.0.0:8000/",
           "http://10.0.0.1/",
           "http://[::ffff:127.0.0.1]/",
           "http://[::2]/",
           "http://[v1.fe]/",
           "javascript:alert(1)",
           "file:///etc/passwd",
           "//127.0.0.1:8000/",  // relative reference
           "/relative",
           "http:\\\\127.0.0.1\\",
           "http://127.0.0.1:8000/ space",
           "http://127.0.0.1:8000/\r\nSet-Cookie:x",
       }) {
    absl::StatusOr<std::string> got = CheckProgrammaticRedirect(uri, kDefault);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << uri;
  }
}

TEST(RedirectWhitelistTest, RefusesOverlongUris) {
  std::string uri = "http://127.0.0.1:8000/" + std::string(3000, 'a');
  EXPECT_THAT(CheckProgrammaticRedirect(uri, kDefault).status().message(),
              ::testing::HasSubstr("too long"));
}

TEST(RedirectWhitelistTest, OtherEntriesMatchOneHostExactly) {
  const std::vector<std::string> whitelist = {"Cli.Example.com"};
  EXPECT_TRUE(CheckProgrammaticRedirect("https://cli.example.com/done", whitelist).ok());
  EXPECT_TRUE(CheckProgrammaticRedirect("http://CLI.example.com:81/", whitelist).ok());
  EXPECT_FALSE(CheckProgrammaticRedirect("https://x.cli.example.com/", whitelist).ok());
  EXPECT_FALSE(CheckProgrammaticRedirect("https://cli.example.com.evil/", whitelist).ok());
  // Without "localhost" in the list, loopback is not allowed either.
  EXPECT_FALSE(CheckProgrammaticRedirect("http://127.0.0.1:8000/", whitelist).ok());
  EXPECT_FALSE(CheckProgrammaticRedirect("http://127.0.0.1:8000/", {}).ok());
}

TEST(RedirectWhitelistTest, MessagesDoNotEchoTheUri) {
  absl::StatusOr<std::string> got = CheckProgrammaticRedirect("http://evil.com/<script>", kDefault);
  EXPECT_THAT(got.status().message(), ::testing::Not(::testing::HasSubstr("evil")));
  EXPECT_THAT(got.status().message(), ::testing::HasSubstr("pomerium_redirect_uri"));
}

}  // namespace
}  // namespace postern::authenticate
