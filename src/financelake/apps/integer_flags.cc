// Range checks for integer options. CLI11 2.1 converts a 64-bit option with strtoll/strtoull and
// keeps the clamped value when the text is out of range (`--limit 99999999999999999999` became
// 9223372036854775807, `--seed -1` became 18446744073709551615): every INT / UINT option gets a
// check that runs on the text before the conversion.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "financelake/apps/commands.h"

namespace financelake::apps {
namespace {

// "" when `text` is no plain decimal integer (CLI11's conversion judges those) or fits the type.
std::string OutOfRange(const std::string& text, bool is_unsigned) {
  std::string_view t = text;
  const bool negative = !t.empty() && t[0] == '-';
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  if (t.empty()) return "";
  for (char c : t) {
    if (c < '0' || c > '9') return "";
  }
  if (is_unsigned) {
    if (negative) return "'" + text + "' is negative; expected an integer >= 0";
    uint64_t v = 0;
    if (std::from_chars(t.data(), t.data() + t.size(), v).ec == std::errc()) return "";
    return "'" + text + "' is out of range (at most 18446744073709551615)";
  }
  int64_t v = 0;
  const std::string signed_text = (negative ? "-" : "") + std::string(t);
  const auto r = std::from_chars(signed_text.data(), signed_text.data() + signed_text.size(), v);
  if (r.ec == std::errc()) return "";
  return "'" + text + "' is out of range (-9223372036854775808..9223372036854775807)";
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
