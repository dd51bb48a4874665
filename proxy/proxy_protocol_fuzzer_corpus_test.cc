// Replays every seed in testdata/proxy_protocol_corpus through the fuzz
// target, so each ordinary (and ASan) test run checks the inputs the fuzzer
// starts from and any crash it once found.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(ProxyProtocolFuzzerCorpusTest, EverySeedParsesOrFailsCleanly) {
  const std::filesystem::path corpus = "proxy/testdata/proxy_protocol_corpus";
  std::vector<std::filesystem::path> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    seeds.push_back(entry.path());
  }
  ASSERT_GE(seeds.size(), 20u) << "seed corpus missing from the test's data";
  for (const auto& seed : seeds) {
    SCOPED_TRACE(seed.string());
    std::ifstream file(seed, std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size()),
              0);
  }
}

}  // namespace
