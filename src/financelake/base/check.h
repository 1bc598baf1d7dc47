// Invariant checks. FL_CHECK always runs; FL_DCHECK only in debug builds. Never for input
// validation: bad input returns a Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FL_CHECK(cond)                                                                    \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

#ifdef NDEBUG
#define FL_DCHECK(cond) \
  do {                  \
  } while (false && (cond))
#else
#define FL_DCHECK(cond) FL_CHECK(cond)
#endif
