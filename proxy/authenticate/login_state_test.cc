#include "proxy/authenticate/login_state.h"

#include <string>

#include "absl/time/time.h"
#include "common/crypto/base64.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class LoginStateTest : public ::testing::Test {
 protected:
  LoginState State() {
    absl::StatusOr<LoginState> state = NewLoginState("http://127.0.0.1:8000/", kNow);
    EXPECT_TRUE(state.ok()) << state.status();
    return *state;
  }
  LoginStateCodec codec_{std::string(32, 'k')};
};

TEST_F(LoginStateTest, NewStatesAreFreshAndExpireInTenMinutes) {
  LoginState a = State(), b = State();
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.code_verifier, b.code_verifier);
  EXPECT_NE(a.nonce, b.nonce);
  EXPECT_EQ(a.expires_at, kNow + absl::Minutes(10));
  EXPECT_EQ(a.cli_redirect_uri, "http://127.0.0.1:8000/");
  EXPECT_TRUE(a.browser_binding.empty());
}

TEST_F(LoginStateTest, RoundTripsAtEachStage) {
  LoginState state = State();
  state.browser_binding = "binding";
  for (LoginStage stage : {LoginStage::kSignIn, LoginStage::kCallback}) {
    absl::StatusOr<std::string> sealed = codec_.Seal(state, stage);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_TRUE(crypto::Base64UrlDecode(*sealed).ok()) << "URL-safe text";
    EXPECT_THAT(*sealed, ::testing::Not(::testing::HasSubstr(state.code_verifier)));
    absl::StatusOr<LoginState> opened = codec_.Open(*sealed, stage, kNow + absl::Minutes(9));
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, state);
  }
}

TEST_F(LoginStateTest, RefusesEveryAlteration) {
  absl::StatusOr<std::string> sealed = codec_.Seal(State(), LoginStage::kCallback);
  ASSERT_TRUE(sealed.ok());
  std::string bytes = *crypto::Base64UrlDecode(*sealed);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string altered = bytes;
    altered[i] ^= 0x01;
    absl::StatusOr<LoginState> opened =
        codec_.Open(crypto::Base64UrlEncode(altered), LoginStage::kCallback, kNow);
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument) << "byte " << i;
  }
  for (const std::string& bad :
       {std::string(), sealed->substr(0, sealed->size() - 1), sealed->substr(1), *sealed + "A",
        std::string("not base64!"), std::string(5000, 'A')}) {
    EXPECT_EQ(codec_.Open(bad, LoginStage::kCallback, kNow).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(LoginStateTest, RefusesTheOtherStageAndOtherKeys) {
  absl::StatusOr<std::string> sealed = codec_.Seal(State(), LoginStage::kSignIn);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(codec_.Open(*sealed, LoginStage::kCallback, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  LoginStateCodec other(std::string(32, 'o'));
  EXPECT_EQ(other.Open(*sealed, LoginStage::kSignIn, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(LoginStateTest, RefusesExpiredStates) {
  absl::StatusOr<std::string> sealed = codec_.Seal(State(), LoginStage::kSignIn);
  ASSERT_TRUE(sealed.ok());
  absl::StatusOr<LoginState> late =
      codec_.Open(*sealed, LoginStage::kSignIn, kNow + absl::Minutes(10));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(late.status().message(), ::testing::HasSubstr("10 minutes"));
}

}  // namespace
}  // namespace postern::authenticate
