// core::DialPlan: when a number dialled digit by digit (overlap
// receiving on a span: SETUP, then INFORMATION messages) is complete, so
// that the gateway sends one INVITE with it (RFC 3578 approach 1: collect,
// then send en bloc), as a span's `dial-plan` says (docs/gateway.md,
// "Overlap dialling"). In core because the [span] config checks its
// patterns (`dial-plan`); the gateway runs it.
//
// A plan is a list of patterns, one per kind of number, each a sequence of
//   0-9 * #   that character
//   X         any digit          N   2-9          Z   1-9
//   [...]     one of a set of digits and ranges: [1-5], [2469], [0-37-9]
//   .         at the end only: one or more further digits (a number of open
//             length, complete when the far end says so or T302 runs out)
// e.g. North America: `NXXNXXXXXX 1NXXNXXXXXX 011. N11`.
//
// What a number so far is:
//   complete           a pattern matches it and none could match it longer:
//                      send now
//   complete-or-more   a pattern matches it, and another (or an open one)
//                      could still match more digits: send when sending
//                      complete arrives or T302 expires
//   more               a prefix of a pattern: wait for digits (T302 running)
//   invalid            no pattern can match it, however it goes on: clear
//                      (cause 28, invalid number format)
// An empty plan knows no lengths: every number is complete-or-more (T302,
// or sending complete, ends it), as chan_dahdi's overlap dialling does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipnic::core {

enum class DialVerdict : std::uint8_t { kComplete, kCompleteOrMore, kMore, kInvalid };
std::string_view dial_verdict_name(DialVerdict v);  // "complete", "complete-or-more", "more", "invalid"

class DialPlan {
 public:
  DialPlan() = default;
  // Throws std::invalid_argument naming the pattern and what is wrong.
  explicit DialPlan(const std::vector<std::string>& patterns);
  // Why `pattern` is not one ("" when it is): for config errors.
  static std::string pattern_error(std::string_view pattern);

  DialVerdict verdict(std::string_view digits) const;
  bool empty() const { return patterns_.empty(); }

 private:
  // One position of a pattern: the characters it takes (bit per 0-9, *, #).
  struct Position {
    std::uint16_t accepts = 0;
  };
  struct Pattern {
    std::vector<Position> positions;
    bool open = false;  // ended with '.'
  };
  static bool parse(std::string_view text, Pattern& out, std::string& why);

  std::vector<Pattern> patterns_;
};

}  // namespace sipnic::core
