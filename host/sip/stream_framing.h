// StreamFraming: what a stream connection's receive path knows about the
// incomplete message at the front of its receive buffer, so that a message
// that arrives in many reads is looked at once, not once per read
// (docs/header-index.md, "The resume point"; docs/sip-core.md, "Stream
// framing").
//
// The parse engine is asked about the buffer only when it can find something
// new there: a complete message, a header block that frames one, an error, or
// the max_message_bytes limit of a header block. Until the header block of
// the pending message is complete, only the bytes that arrived since the last
// look are searched for its end (an LF followed by CR LF, or by anything that
// makes the engine decide: a bare LF, a CR without LF); once the engine has
// seen a complete header block, its resume point (SegmentResult::
// pending_total_len) says how many bytes the message needs, and nothing is
// searched until they are there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipnic::sip {

class StreamFraming {
 public:
  // Whether the parse engine can find something new in `in`, the
  // connection's unconsumed bytes (the same buffer as at the last call, with
  // bytes appended or dropped from the front since). False when `in` holds
  // only CR/LF bytes: keepalives, which the host counts without the engine.
  bool ready(std::string_view in, std::uint32_t max_message_bytes);
  // The engine parsed the buffer; what is left of it is `size` bytes, the
  // pending message starts at `pending_start` and the engine's resume point
  // for it is `pending_total_len` (0: its header block is not complete). The
  // engine has searched all of those bytes.
  void after_parse(std::size_t size, std::size_t pending_start, std::uint32_t pending_total_len);
  // `n` bytes were taken from the front of the buffer (keepalives before the
  // pending message).
  void drop_front(std::size_t n);
  void reset() { *this = StreamFraming(); }

  // Buffer size at which the pending message is complete; 0 = not known yet.
  std::size_t needed() const { return needed_; }

 private:
  std::size_t scanned_ = 0;  // leading bytes searched for the end of the pending header block, in vain
  std::size_t needed_ = 0;
};

}  // namespace sipnic::sip
