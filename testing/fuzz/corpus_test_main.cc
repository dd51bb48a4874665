// A gtest main replaying a fuzz target's seed corpus: the test's args are
// the corpus directory and the fewest seeds it must hold (so a corpus
// missing from the test's data fails instead of passing vacuously).
//
//   cc_test(
//       name = "proxy_protocol_fuzzer_corpus_test",
//       args = ["proxy/testdata/proxy_protocol_corpus", "20"],
//       data = glob(["testdata/proxy_protocol_corpus/*"]),
//       deps = [":proxy_protocol_fuzzer_lib", "//testing/fuzz:corpus_test_main"],
//   )
#include <cstdlib>
#include <iostream>
#include <string>

#include "gtest/gtest.h"
#include "testing/fuzz/corpus_replay.h"

namespace postern::fuzz {
namespace {

std::string corpus_directory;
size_t min_seeds = 1;

TEST(FuzzCorpusTest, EverySeedRunsCleanly) {
  absl::StatusOr<std::vector<CorpusInput>> seeds = ReadCorpus({corpus_directory});
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  ASSERT_GE(seeds->size(), min_seeds) << "seed corpus missing from the test's data";
  for (const CorpusInput& seed : *seeds) {
    SCOPED_TRACE(seed.path.string());
    EXPECT_EQ(RunFuzzTarget(seed.bytes), 0);
  }
}

}  // namespace
}  // namespace postern::fuzz

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIRECTORY MIN_SEEDS\n";
    return 2;
  }
  postern::fuzz::corpus_directory = argv[1];
  postern::fuzz::min_seeds = std::strtoul(argv[2], nullptr, 10);
  return RUN_ALL_TESTS();
}
