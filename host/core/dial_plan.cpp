#include "core/dial_plan.h"

#include <stdexcept>

namespace sipnic::core {

namespace {

// Bits 0-9 the digits, 10 '*', 11 '#'.
constexpr std::uint16_t kDigits = 0x3FF;

int bit_of(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c == '*') return 10;
  if (c == '#') return 11;
  return -1;
}

std::uint16_t digits_from(int lo, int hi) {
  std::uint16_t m = 0;
  for (int d = lo; d <= hi; ++d) m = static_cast<std::uint16_t>(m | 1u << d);
  return m;
}

}  // namespace

std::string_view dial_verdict_name(DialVerdict v) {
  switch (v) {
    case DialVerdict::kComplete: return "complete";
    case DialVerdict::kCompleteOrMore: return "complete-or-more";
    case DialVerdict::kMore: return "more";
    case DialVerdict::kInvalid: return "invalid";
  }
  return "?";
}

bool DialPlan::parse(std::string_view text, Pattern& out, std::string& why) {
  out = {};
  if (text.empty()) {
    why = "an empty pattern";
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    Position p;
    if (c == '.') {
      if (i + 1 != text.size() || out.positions.empty()) {
        why = "'.' only ends a pattern, after at least one digit";
        return false;
      }
      out.open = true;
      break;
    }
    if (c == 'X' || c == 'x') {
      p.accepts = kDigits;
    } else if (c == 'N' || c == 'n') {
      p.accepts = digits_from(2, 9);
    } else if (c == 'Z' || c == 'z') {
      p.accepts = digits_from(1, 9);
    } else if (c == '[') {
      const std::size_t close = text.find(']', i);
      if (close == std::string_view::npos || close == i + 1) {
        why = "'[' without digits and a closing ']'";
        return false;
      }
      for (std::size_t k = i + 1; k < close; ++k) {
        const int lo = text[k] >= '0' && text[k] <= '9' ? text[k] - '0' : -1;
        if (lo < 0) {
          why = "'" + std::string(1, text[k]) + "' in [...]: only digits and ranges";
          return false;
        }
        int hi = lo;
        if (k + 2 < close && text[k + 1] == '-') {
          hi = text[k + 2] >= '0' && text[k + 2] <= '9' ? text[k + 2] - '0' : -1;
          if (hi < lo) {
            why = "a range in [...] that is not low-high digits";
            return false;
          }
          k += 2;
        }
        p.accepts = static_cast<std::uint16_t>(p.accepts | digits_from(lo, hi));
      }
      i = close;
    } else if (bit_of(c) >= 0) {
      p.accepts = static_cast<std::uint16_t>(1u << bit_of(c));
    } else {
      why = "'" + std::string(1, c) + "' is none of 0-9 * # X N Z [...] .";
      return false;
    }
    out.positions.push_back(p);
  }
  return true;
}

std::string DialPlan::pattern_error(std::string_view pattern) {
  Pattern p;
  std::string why;
  return parse(pattern, p, why) ? std::string() : why;
}

DialPlan::DialPlan(const std::vector<std::string>& patterns) {
  for (const std::string& text : patterns) {
    Pattern p;
    std::string why;
    if (!parse(text, p, why)) throw std::invalid_argument("dial plan pattern '" + text + "': " + why);
    patterns_.push_back(std::move(p));
  }
}

DialVerdict DialPlan::verdict(std::string_view digits) const {
  if (patterns_.empty()) return DialVerdict::kCompleteOrMore;
  bool matches = false, longer = false;
  for (const Pattern& p : patterns_) {
    // Does `digits` fit the pattern's first positions (and an open tail)?
    bool fits = true;
    for (std::size_t i = 0; i < digits.size() && fits; ++i) {
      const int bit = bit_of(digits[i]);
      if (bit < 0) fits = false;
      else if (i < p.positions.size()) fits = (p.positions[i].accepts >> bit & 1) != 0;
      else fits = p.open && bit < 10;  // the open tail takes digits
    }
    if (!fits) continue;
    const std::size_t fixed = p.positions.size();
    if (digits.size() >= fixed) {
      // Matched: an open pattern wants one more digit at least.
      if (p.open && digits.size() == fixed) {
        longer = true;
      } else {
        matches = true;
        if (p.open) longer = true;
      }
    } else {
      longer = true;
    }
  }
  if (matches) return longer ? DialVerdict::kCompleteOrMore : DialVerdict::kComplete;
  return longer ? DialVerdict::kMore : DialVerdict::kInvalid;
}

}  // namespace sipnic::core
