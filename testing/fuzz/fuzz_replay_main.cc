// A main() for fuzz targets built without libFuzzer: runs
// LLVMFuzzerTestOneInput once on every file named on the command line
// (directories are walked), so a crashing input found elsewhere can be
// replayed under a debugger or ASan. Exits 1 when it ran no input at all.
#include <iostream>

#include "testing/fuzz/corpus_replay.h"

int main(int argc, char** argv) {
  absl::StatusOr<std::vector<postern::fuzz::CorpusInput>> inputs =
      postern::fuzz::ReadCorpus(std::vector<std::string>(argv + 1, argv + argc));
  if (!inputs.ok()) {
    std::cerr << inputs.status().message() << "\n";
    return 1;
  }
  if (inputs->empty()) {
    std::cerr << "no fuzz inputs found in the arguments\n";
    return 1;
  }
  for (const postern::fuzz::CorpusInput& input : *inputs) {
    std::cerr << "running " << input.path << " (" << input.bytes.size() << " bytes)\n";
    postern::fuzz::RunFuzzTarget(input.bytes);
  }
  std::cerr << inputs->size() << " inputs ran without a crash\n";
  return 0;
}
