// `postern cache location` prints where session tokens are cached;
// `postern cache clear` removes them (and nothing else in that directory).
#ifndef POSTERN_CLI_CACHE_COMMAND_H_
#define POSTERN_CLI_CACHE_COMMAND_H_

#include <string>
#include <vector>

namespace postern::cli {

// RunCacheCommand runs `postern cache` with the arguments after "cache" and
// returns the exit status: 0 on success, 1 if the cache cannot be read or
// cleared, 2 on bad usage. Results go to stdout, errors to stderr.
int RunCacheCommand(const std::vector<std::string>& args);

}  // namespace postern::cli

#endif  // POSTERN_CLI_CACHE_COMMAND_H_
