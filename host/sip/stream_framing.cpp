// StreamFraming (stream_framing.h).
#include "sip/stream_framing.h"

#include <algorithm>

namespace sipnic::sip {

bool StreamFraming::ready(std::string_view in, std::uint32_t max_message_bytes) {
  if (needed_ != 0) return in.size() >= needed_;
  // The pending message starts after the CR/LF bytes the engine skips. After
  // the first look these are at most 3 (whole keepalives are taken off).
  const std::size_t start = in.find_first_not_of("\r\n");
  if (start == std::string_view::npos) {
    scanned_ = in.size();
    return false;
  }
  // The engine reports header_too_long once the buffer holds
  // max_message_bytes from the message start without the end of its header
  // block.
  if (in.size() - start >= max_message_bytes) return true;
  // Every LF of a header block ends a line, so the engine decides at the
  // first LF followed by CR and a third byte (the blank line, or bad_bytes)
  // or by LF (bare_lf). Such an LF may sit up to 2 bytes before what the
  // last look ended at, with its followers only now arrived.
  std::size_t p = std::max(start, scanned_ >= 2 ? scanned_ - 2 : std::size_t{0});
  for (p = in.find('\n', p); p != std::string_view::npos && p + 1 < in.size(); p = in.find('\n', p + 1)) {
    const char next = in[p + 1];
    if (next == '\n' || (next == '\r' && p + 2 < in.size())) return true;
  }
  scanned_ = in.size();
  return false;
}

void StreamFraming::after_parse(std::size_t size, std::size_t pending_start, std::uint32_t pending_total_len) {
  needed_ = pending_total_len != 0 ? pending_start + pending_total_len : 0;
  scanned_ = pending_total_len != 0 ? 0 : size;
}

void StreamFraming::drop_front(std::size_t n) {
  scanned_ = scanned_ > n ? scanned_ - n : 0;
  needed_ = needed_ > n ? needed_ - n : 0;
}

}  // namespace sipnic::sip
