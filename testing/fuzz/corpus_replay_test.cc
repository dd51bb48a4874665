#include "testing/fuzz/corpus_replay.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

// The fuzz target under test: records what it was given.
std::vector<std::string>* replayed = nullptr;
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  replayed->emplace_back(reinterpret_cast<const char*>(data), size);
  return 0;
}

namespace postern::fuzz {
namespace {

using ::testing::ElementsAre;

std::filesystem::path MakeCorpus(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(std::getenv("TEST_TMPDIR")) / name;
  std::filesystem::create_directories(dir / "subdir");
  std::ofstream(dir / "b") << "second";
  std::ofstream(dir / "a") << std::string("fir\0st", 6);
  return dir;
}

TEST(ReadCorpusTest, DirectoryGivesItsFilesInNameOrderWithExactBytes) {
  const std::filesystem::path dir = MakeCorpus("sorted");
  absl::StatusOr<std::vector<CorpusInput>> inputs = ReadCorpus({dir.string()});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->size(), 2u);
  EXPECT_EQ((*inputs)[0].path, dir / "a");
  EXPECT_EQ((*inputs)[0].bytes, std::string("fir\0st", 6));
  EXPECT_EQ((*inputs)[1].bytes, "second");
}

TEST(ReadCorpusTest, FileIsTakenAsItIs) {
  const std::filesystem::path dir = MakeCorpus("single");
  absl::StatusOr<std::vector<CorpusInput>> inputs = ReadCorpus({(dir / "b").string()});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->size(), 1u);
  EXPECT_EQ((*inputs)[0].bytes, "second");
}

TEST(ReadCorpusTest, MissingPathIsNamedInTheError) {
  absl::StatusOr<std::vector<CorpusInput>> inputs = ReadCorpus({"no/such/seed"});
  ASSERT_FALSE(inputs.ok());
  EXPECT_EQ(inputs.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(inputs.status().message()), ::testing::HasSubstr("no/such/seed"));
}

TEST(RunFuzzTargetTest, PassesTheBytesToTheTarget) {
  std::vector<std::string> seen;
  replayed = &seen;
  EXPECT_EQ(RunFuzzTarget(std::string("x\0y", 3)), 0);
  EXPECT_THAT(seen, ElementsAre(std::string("x\0y", 3)));
  replayed = nullptr;
}

}  // namespace
}  // namespace postern::fuzz
