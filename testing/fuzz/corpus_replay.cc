#include "testing/fuzz/corpus_replay.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace postern::fuzz {
namespace {

absl::StatusOr<CorpusInput> ReadInput(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read fuzz input ", path.string()));
  return CorpusInput{.path = path,
                     .bytes = std::string((std::istreambuf_iterator<char>(file)),
                                          std::istreambuf_iterator<char>())};
}

}  // namespace

absl::StatusOr<std::vector<CorpusInput>> ReadCorpus(const std::vector<std::string>& paths) {
  std::vector<CorpusInput> inputs;
  for (const std::string& name : paths) {
    const std::filesystem::path path(name);
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec)) files.push_back(entry.path());
      }
      if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", name, ": ", ec.message()));
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const std::filesystem::path& file : files) {
      absl::StatusOr<CorpusInput> input = ReadInput(file);
      if (!input.ok()) return input.status();
      inputs.push_back(*std::move(input));
    }
  }
  return inputs;
}

int RunFuzzTarget(const std::string& bytes) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace postern::fuzz
