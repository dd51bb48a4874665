// A main for fuzz targets built without libFuzzer: runs
// LLVMFuzzerTestOneInput once on every file named on the command line,
// walking directories. Exits 1 if it found no input at all, so a corpus
// that went missing fails the test instead of passing vacuously.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::cerr << "running " << path << " (" << bytes.size() << " bytes)\n";
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path path(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec) && RunFile(entry.path())) ++inputs;
      }
    } else if (RunFile(path)) {
      ++inputs;
    }
  }
  if (inputs == 0) {
    std::cerr << "no fuzz inputs found in the arguments\n";
    return 1;
  }
  std::cerr << inputs << " inputs ran without a crash\n";
  return 0;
}
