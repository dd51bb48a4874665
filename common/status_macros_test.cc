#include "common/status_macros.h"

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace postern {
namespace {

absl::Status Steps(absl::Status first, int* second_ran) {
  POSTERN_RETURN_IF_ERROR(first);
  ++*second_ran;
  return absl::OkStatus();
}

absl::StatusOr<int> Value(absl::Status check) {
  POSTERN_RETURN_IF_ERROR(check);
  return 7;
}

TEST(ReturnIfErrorTest, FailureReturnsItAndSkipsTheRest) {
  int second_ran = 0;
  const absl::Status status =
      Steps(absl::InvalidArgumentError("routes[0].to: required"), &second_ran);
  EXPECT_EQ(status, absl::InvalidArgumentError("routes[0].to: required"));
  EXPECT_EQ(second_ran, 0);
}

TEST(ReturnIfErrorTest, SuccessContinues) {
  int second_ran = 0;
  EXPECT_TRUE(Steps(absl::OkStatus(), &second_ran).ok());
  EXPECT_EQ(second_ran, 1);
}

TEST(ReturnIfErrorTest, WorksInFunctionsReturningStatusOr) {
  EXPECT_EQ(*Value(absl::OkStatus()), 7);
  EXPECT_EQ(Value(absl::NotFoundError("x")).status(), absl::NotFoundError("x"));
}

TEST(ReturnIfErrorTest, EvaluatesTheExpressionOnce) {
  int calls = 0;
  auto step = [&] {
    ++calls;
    return absl::OkStatus();
  };
  int second_ran = 0;
  EXPECT_TRUE(Steps(step(), &second_ran).ok());
  auto direct = [&]() -> absl::Status {
    POSTERN_RETURN_IF_ERROR(step());
    return absl::OkStatus();
  };
  EXPECT_TRUE(direct().ok());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace postern
