#include "common/jwt/json_object.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::jwt {
namespace {

TEST(ParseJsonObjectTest, ParsesObjects) {
  absl::StatusOr<boost::json::object> object =
      ParseJsonObject(R"( {"a":1,"b":[true,null,"x"],"c":{"d":{}}} )", "test");
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->at("a").as_int64(), 1);
  EXPECT_EQ(object->at("b").as_array().size(), 3u);
}

TEST(ParseJsonObjectTest, SameNameInDifferentObjectsIsFine) {
  EXPECT_TRUE(ParseJsonObject(R"({"a":{"a":1},"b":{"a":2}})", "test").ok());
  EXPECT_TRUE(ParseJsonObject(R"({"a":[{"k":1},{"k":2}]})", "test").ok());
}

TEST(ParseJsonObjectTest, RejectsWithAReasonNamingTheInput) {
  struct Case {
    const char* name;
    std::string text;
    const char* reason;
  };
  const Case cases[] = {
      {"duplicate top-level", R"({"alg":"HS256","alg":"none"})", "duplicate member name"},
      {"duplicate nested", R"({"a":{"x":1,"y":2,"x":3}})", "duplicate member name"},
      {"duplicate via escape", R"({"alg":1,"\u0061lg":2})", "duplicate member name"},
      {"array", "[1,2]", "must be a JSON object"},
      {"string", R"("text")", "must be a JSON object"},
      {"number", "42", "must be a JSON object"},
      {"null", "null", "must be a JSON object"},
      {"empty", "", "not valid JSON"},
      {"truncated", R"({"a":)", "not valid JSON"},
      {"trailing garbage", R"({"a":1}x)", "not valid JSON"},
      {"two objects", R"({}{})", "not valid JSON"},
      {"comment", R"({"a":1 /* c */})", "not valid JSON"},
      {"trailing comma", R"({"a":1,})", "not valid JSON"},
      {"single quotes", R"({'a':1})", "not valid JSON"},
      {"invalid utf-8", "{\"a\":\"\xff\"}", "not valid JSON"},
      {"too deep", std::string(100, '[') + std::string(100, ']'), "nested too deeply"},
      {"too deep in object", "{\"a\":" + std::string(50, '[') + std::string(50, ']') + "}",
       "nested too deeply"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<boost::json::object> object = ParseJsonObject(c.text, "token header");
    ASSERT_FALSE(object.ok());
    EXPECT_EQ(object.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(object.status().message());
    EXPECT_EQ(message.rfind("token header", 0), 0u) << message;
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
  }
}

TEST(ParseJsonObjectTest, DepthUpToTheLimitIsAccepted) {
  // The object itself is depth 1.
  const std::string nested =
      "{\"a\":" + std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_TRUE(ParseJsonObject(nested, "test").ok());
}

}  // namespace
}  // namespace postern::jwt
