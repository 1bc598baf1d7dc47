// Random (version 4) UUIDs for data file names and table ids.
#pragma once

#include <string>

namespace financelake::delta {

// A random RFC 4122 version-4 UUID in canonical lowercase form
// ("3935a07c-416b-4344-ad97-2a38342ee2fc"). The bits come from a per-thread generator seeded
// from std::random_device (the OS entropy source), so writers in several processes and threads
// do not collide. Thread-safe.
std::string NewUuid();

// True for the canonical 8-4-4-4-12 lowercase or uppercase hex form.
bool IsUuid(const std::string& s);

}  // namespace financelake::delta
