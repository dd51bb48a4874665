#include "common/config/yaml_source.h"

#include <string>

#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace postern::config {
namespace {

TEST(YamlSourceTest, ErrorsNameFileLineColumnAndPath) {
  YamlSource root(YAML::Load("routes:\n  - from: x\n    to: [a]\n"), "c.yaml");
  auto entries = root.Entries();
  ASSERT_TRUE(entries.ok());
  const YamlSource& routes = (*entries)[0].second;
  EXPECT_EQ(routes.path(), "routes");
  auto elements = routes.Elements();
  ASSERT_TRUE(elements.ok());
  auto route = (*elements)[0].Entries();
  ASSERT_TRUE(route.ok());
  const YamlSource& to = (*route)[1].second;
  EXPECT_EQ(std::string(to.String().status().message()),
            "c.yaml:3:9: routes[0].to: expected a string, got a list");
  EXPECT_EQ(std::string(to.AtKey().Error("x").message()), "c.yaml:3:5: routes[0].to: x");
}

TEST(YamlSourceTest, EmptyValueIsReportedAtItsKey) {
  YamlSource root(YAML::Load("a: 1\nfrom:\nb: 2\n"), "c.yaml");
  auto entries = root.Entries();
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(std::string((*entries)[1].second.String().status().message()),
            "c.yaml:2:1: from: expected a string, got nothing");
}

TEST(YamlSourceTest, DuplicateKeysAreErrors) {
  auto entries = YamlSource(YAML::Load("policy: a\nx: 1\npolicy: b\n"), "c.yaml").Entries();
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(std::string(entries.status().message()),
            "c.yaml:3:1: policy: duplicate key \"policy\" (first at line 1)");
}

TEST(YamlSourceTest, MergeKeysAreRefused) {
  auto entries = YamlSource(YAML::Load("base: &b {x: 1}\nroute:\n  <<: *b\n"), "c.yaml").Entries();
  ASSERT_TRUE(entries.ok());
  auto route = (*entries)[1].second.Entries();
  ASSERT_FALSE(route.ok());
  EXPECT_EQ(std::string(route.status().message()),
            "c.yaml:3:3: route.<<: YAML merge keys (<<) are not supported; repeat the settings "
            "or use an alias (*name) for a whole value");
}

TEST(YamlSourceTest, BooleansAreStrict) {
  auto entries =
      YamlSource(YAML::Load("a: true\nb: False\nc: yes\nd: 'true'\ne: on\n"), "c.yaml").Entries();
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(*(*entries)[0].second.Bool(), true);
  EXPECT_EQ(*(*entries)[1].second.Bool(), false);
  EXPECT_EQ(std::string((*entries)[2].second.Bool().status().message()),
            "c.yaml:3:4: c: expected true or false, got \"yes\"");
  EXPECT_FALSE((*entries)[3].second.Bool().ok());
  EXPECT_FALSE((*entries)[4].second.Bool().ok());
}

TEST(YamlSourceTest, QuoteForErrorEscapesAndShortens) {
  EXPECT_EQ(QuoteForError("a\nb\x1b[31m"), "\"a\\nb\\x1b[31m\"");
  EXPECT_EQ(QuoteForError(std::string(100, 'x')), "\"" + std::string(80, 'x') + "...\"");
}

}  // namespace
}  // namespace postern::config
