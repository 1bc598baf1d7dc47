#include "financelake/apps/signals.h"

#include <csignal>
#include <unistd.h>

#include "financelake/sources/pacing.h"

namespace financelake::apps {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int sig) {
  if (g_stop.exchange(true)) _exit(128 + sig);  // second signal: give up at once
  sources::InterruptWaits();                       // wake sources sleeping between polls
}

}  // namespace

std::atomic<bool>& InstallStopSignals() {
  static bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return g_stop;
}

}  // namespace financelake::apps
