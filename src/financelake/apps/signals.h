// Ctrl-C / SIGTERM for long-running commands: the first one asks the command to stop cleanly
// (commit what is buffered, then exit 0); a second one exits at once.
#pragma once

#include <atomic>

namespace financelake::apps {

// Installs the handlers (once) and returns the flag they set.
std::atomic<bool>& InstallStopSignals();

}  // namespace financelake::apps
