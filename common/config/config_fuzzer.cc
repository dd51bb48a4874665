// libFuzzer entry point: any bytes given to the config loader must produce a
// Config or an error, never a crash, a hang, or a leak. Run with
//   bazel build --config=fuzz //common/config:config_fuzzer
//   bazel-bin/common/config/config_fuzzer -max_total_time=60 <corpus dir>
// starting from a copy of common/config/testdata/fuzz_corpus.
// config_fuzzer_corpus_test replays the seed corpus in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto loaded = postern::config::LoadConfigString(yaml, "fuzz/config.yaml");
  if (loaded.ok()) {
    // Touch the result the way binaries do, so a malformed snapshot shows.
    for (const auto& route : loaded->config->routes) {
      if (loaded->config->FindRoute(route.key) != &route) __builtin_trap();
    }
    (void)loaded->config->RequireProxySettings();
  }
  return 0;
}
