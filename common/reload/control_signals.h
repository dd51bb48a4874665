// The signals that steer a server: SIGHUP reloads its config, SIGTERM and
// SIGINT stop it. The main thread takes them synchronously with sigwait, so a
// reload runs as ordinary code rather than inside a signal handler.
//
//   reload::BlockControlSignals();   // first, before any thread starts
//   ... start workers, gRPC, the FileWatcher ...
//   const char* stop = reload::WaitForStopSignal([&] { reloader.Reload("SIGHUP"); });
//   log::Info("shutting down (%s)", stop);
//   ... drain; if (reload::TakeStopSignal(absl::Milliseconds(100))) stop at once ...
#ifndef POSTERN_COMMON_RELOAD_CONTROL_SIGNALS_H_
#define POSTERN_COMMON_RELOAD_CONTROL_SIGNALS_H_

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"

namespace postern::reload {

// BlockControlSignals blocks SIGHUP, SIGTERM and SIGINT in the calling
// thread. Call it before starting any thread: threads inherit the mask, so
// none of them is picked to run a default disposition (which would kill the
// process) and WaitForStopSignal sees every one.
void BlockControlSignals();

// WaitForStopSignal waits for the control signals blocked above, calling
// `on_reload` on this thread for each SIGHUP, and returns "SIGTERM" or
// "SIGINT" (a static string) when one of them arrives.
const char* WaitForStopSignal(absl::FunctionRef<void()> on_reload);

// TakeStopSignal waits up to `timeout` (zero: only looks) for SIGTERM or
// SIGINT and returns "SIGTERM" or "SIGINT", or nullptr if none arrived. For
// a server already stopping, where a second stop signal means "now": SIGHUPs
// taken meanwhile are dropped (there is nothing left to reload).
const char* TakeStopSignal(absl::Duration timeout);

}  // namespace postern::reload

#endif  // POSTERN_COMMON_RELOAD_CONTROL_SIGNALS_H_
