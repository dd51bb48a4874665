// Replaying a fuzz corpus without libFuzzer: the seeds (and every crash once
// fixed and added) run through a target's LLVMFuzzerTestOneInput in ordinary
// and ASan test runs, and a crashing input can be rerun under a debugger.
//
//   absl::StatusOr<std::vector<fuzz::CorpusInput>> seeds =
//       fuzz::ReadCorpus({"proxy/testdata/proxy_protocol_corpus"});
//   for (const fuzz::CorpusInput& seed : *seeds) fuzz::RunFuzzTarget(seed.bytes);
#ifndef POSTERN_TESTING_FUZZ_CORPUS_REPLAY_H_
#define POSTERN_TESTING_FUZZ_CORPUS_REPLAY_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

// The fuzz target, defined by the fuzzer library linked with this one.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace postern::fuzz {

struct CorpusInput {
  std::filesystem::path path;
  std::string bytes;
};

// ReadCorpus reads every path: a file as it is, a directory as the regular
// files directly in it, sorted by name so runs replay in the same order.
// Fails (kNotFound) naming the path that is missing or unreadable.
absl::StatusOr<std::vector<CorpusInput>> ReadCorpus(const std::vector<std::string>& paths);

// RunFuzzTarget passes `bytes` to LLVMFuzzerTestOneInput and returns its
// result (0 unless the target rejects the input from its corpus).
int RunFuzzTarget(const std::string& bytes);

}  // namespace postern::fuzz

#endif  // POSTERN_TESTING_FUZZ_CORPUS_REPLAY_H_
