// Range checks for integer options. CLI11 2.1 converts a 64-bit option with strtoll/strtoull and
// keeps the clamped value when the text is out of range (`--limit 99999999999999999999` became
// 9223372036854775807, `--seed -1` became 18446744073709551615): every INT / UINT option gets a
// check that runs on the text before the conversion.
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "financelake/apps/commands.h"

namespace financelake::apps {
namespace {

// "" when `text` fits the type or is no integer at all (CLI11's conversion reports those). Read
// as CLI11 reads it: strtoll / strtoull in base 0 (leading spaces, 0x hex, 0 octal).
std::string OutOfRange(const std::string& text, bool is_unsigned) {
  size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first])) != 0) ++first;
  if (is_unsigned && first + 1 < text.size() && text[first] == '-' &&
      std::isdigit(static_cast<unsigned char>(text[first + 1])) != 0) {
    return "'" + text + "' is negative; expected an integer >= 0";
  }
  errno = 0;
  char* end = nullptr;
  if (is_unsigned) {
    (void)std::strtoull(text.c_str(), &end, 0);
  } else {
    (void)std::strtoll(text.c_str(), &end, 0);
  }
  if (errno != ERANGE) return "";
  return "'" + text + "' is out of range (" +
         (is_unsigned ? "at most 18446744073709551615"
                      : "-9223372036854775808..9223372036854775807") +
         ")";
}

}  // namespace

void CheckIntegerRanges(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    const bool is_unsigned = type.rfind("UINT", 0) == 0;
    if (!is_unsigned && type.rfind("INT", 0) != 0) continue;
    opt->check(CLI::Validator(
        [is_unsigned](std::string& text) { return OutOfRange(text, is_unsigned); }, ""));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    CheckIntegerRanges(*sub);
}

}  // namespace financelake::apps
