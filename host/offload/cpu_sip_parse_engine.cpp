// The cpu backend of SipParseEngine. Two passes per segment, as the RTL kernel
// does it:
//   1. classify: 64-byte blocks -> bitmasks (LF, ':', SP/HTAB, bad bytes, and
//      `stop`: LF or a bad byte that is not the CR of a CRLF). Done lazily, a
//      few blocks ahead of the walk, and never for the bytes of a body that
//      framing skips over.
//   2. walk: a plain header line is two tzcnt scans, to its colon over
//      `colon | stop` and to its LF over `stop`; any other line (folded,
//      malformed, escaped control byte) takes the general rules in their
//      documented order. Every header line is visited once and becomes one
//      HeaderRecord.
// docs/header-index.md states the rules implemented here (error order and
// offsets included); the sim and xrt backends must match byte for byte.
#include "offload/cpu_sip_parse_engine.h"

#include <emmintrin.h>
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string_view>

#include "core/ascii.h"

namespace sipnic::offload {
namespace {

constexpr std::size_t kBlock = 64;
// Blocks classified per call of the kernel: enough to cover a typical header
// section in one or two calls, small enough not to run far into a body.
constexpr std::size_t kChunkBlocks = 8;

// RFC 3261 token characters: alphanum / "-" / "." / "!" / "%" / "*" / "_" /
// "+" / "`" / "'" / "~".
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("-.!%*_+`'~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kToken = make_token_table();

using core::ascii::is_blank;
using core::ascii::is_digit;

// Singletons per RFC 3261 §7.3 / §20: a second instance gets
// kHeaderDuplicateSingleton.
constexpr std::uint64_t kSingletonMask =
    (1ull << static_cast<unsigned>(HeaderId::kCallId)) | (1ull << static_cast<unsigned>(HeaderId::kCSeq)) |
    (1ull << static_cast<unsigned>(HeaderId::kFrom)) | (1ull << static_cast<unsigned>(HeaderId::kTo)) |
    (1ull << static_cast<unsigned>(HeaderId::kMaxForwards)) |
    (1ull << static_cast<unsigned>(HeaderId::kContentLength)) |
    (1ull << static_cast<unsigned>(HeaderId::kContentType));
static_assert(static_cast<unsigned>(HeaderId::kCount) <= 64, "seen-set is one 64-bit word");

// ---------------------------------------------------------------- header names

// Header-name lookup for the walk, once per header line. sip_index's
// header_id_from_name lowercases the name into a buffer and memcmp's it with
// each canonical name of its length; on the trunk mix that was a quarter of
// the engine's instructions. Here a hash of the length and three case-folded
// bytes picks at most one candidate, and a masked compare of at most three
// overlapping words confirms it: 0x20 is OR-ed in only where the canonical
// byte is a letter, so the compare is exactly ASCII case-insensitive and
// exact elsewhere. The table is built once from header_name() and
// header_id_from_name(), so it cannot drift from sip_index; a hash collision
// (a name appended later) marks its slot for header_id_from_name instead.
class NameTable {
 public:
  NameTable() {
    for (unsigned c = 0; c < 256; ++c) {
      const char ch = static_cast<char>(c);
      compact_[c] = static_cast<std::uint8_t>(header_id_from_name(std::string_view(&ch, 1)));
    }
    for (unsigned id = 1; id < static_cast<unsigned>(HeaderId::kCount); ++id) {
      const std::string_view name = header_name(static_cast<HeaderId>(id));
      if (name.size() < 2 || name.size() > kMaxLen) {
        ambiguous_all_ = true;  // cannot happen with today's names; stay exact anyway
        continue;
      }
      std::array<std::uint8_t, kMaxLen> lowered{};
      std::array<std::uint8_t, kMaxLen> fold{};
      for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(name[i]);
        const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        lowered[i] = letter ? (c | 0x20) : c;
        fold[i] = letter ? 0x20 : 0;
      }
      Entry& e = entries_[id];
      e.len = static_cast<std::uint8_t>(name.size());
      for (unsigned k = 0; k < 3; ++k) {
        e.lowered[k] = window(lowered.data(), e.len, k);
        e.fold[k] = window(fold.data(), e.len, k);
      }
      std::uint8_t& slot = slots_[hash(lowered.data(), e.len)];
      slot = slot == 0 ? static_cast<std::uint8_t>(id) : kAmbiguous;
    }
  }

  HeaderId lookup(const std::uint8_t* p, std::uint32_t n) const {
    if (n == 1) return static_cast<HeaderId>(compact_[p[0]]);
    if (ambiguous_all_) return slow(p, n);
    const std::uint8_t id = slots_[hash(p, n)];
    if (id == 0) return HeaderId::kOther;
    if (id == kAmbiguous) return slow(p, n);
    const Entry& e = entries_[id];
    if (e.len != n) return HeaderId::kOther;
    std::uint64_t diff = 0;
    for (unsigned k = 0; k < 3; ++k) diff |= (window(p, n, k) | e.fold[k]) ^ e.lowered[k];
    return diff == 0 ? static_cast<HeaderId>(id) : HeaderId::kOther;
  }

 private:
  static constexpr std::uint32_t kMaxLen = 24;  // three 8-byte windows cover it
  static constexpr std::uint32_t kSlots = 256;
  static constexpr std::uint8_t kAmbiguous = 0xFF;

  struct Entry {
    std::uint64_t lowered[3] = {};
    std::uint64_t fold[3] = {};
    std::uint8_t len = 0;
  };

  // n >= 2. Case-folding every byte with 0x20 is harmless here: this only
  // picks the candidate, the masked compare decides.
  static std::uint32_t hash(const std::uint8_t* p, std::uint32_t n) {
    return (n * 7u + (p[0] | 0x20u) + 2u * (p[1] | 0x20u) + 10u * (p[n - 1] | 0x20u)) & (kSlots - 1);
  }

  // Window k of a name of n (>= 2) bytes, never reading outside it: words of
  // 8, 4 or 2 bytes (the widest that fits) at the start, at 8 when n >= 16,
  // and at the end; together they cover the name up to 24 bytes.
  static std::uint64_t window(const std::uint8_t* p, std::uint32_t n, unsigned k) {
    const std::uint32_t w = n >= 8 ? 8 : n >= 4 ? 4 : 2;
    const std::uint32_t off = k == 0 ? 0 : (k == 1 && n >= 16) ? 8 : n - w;
    if (w == 8) {
      std::uint64_t v;
      std::memcpy(&v, p + off, 8);
      return v;
    }
    if (w == 4) {
      std::uint32_t v;
      std::memcpy(&v, p + off, 4);
      return v;
    }
    std::uint16_t v;
    std::memcpy(&v, p + off, 2);
    return v;
  }

  static HeaderId slow(const std::uint8_t* p, std::uint32_t n) {
    return header_id_from_name(std::string_view(reinterpret_cast<const char*>(p), n));
  }

  std::array<std::uint8_t, kSlots> slots_{};  // hash -> id; 0: no known name
  std::array<Entry, static_cast<std::size_t>(HeaderId::kCount)> entries_{};
  std::array<std::uint8_t, 256> compact_{};
  bool ambiguous_all_ = false;
};

const NameTable& name_table() {
  static const NameTable table;
  return table;
}

// ---------------------------------------------------------------- stage 1

// Both kernels compare bytes and hand five raw movemasks per 64 bytes to this
// one function, so the derived masks cannot differ between them.
inline ByteClassMasks derive_masks(std::uint64_t lf, std::uint64_t cr, std::uint64_t colon, std::uint64_t ws,
                                   std::uint64_t low_or_del) {
  // low_or_del: bytes <= 0x1F or == 0x7F. HTAB is the only one of them in `ws`.
  const std::uint64_t bad = low_or_del & ~(lf | ws);
  const std::uint64_t cr_before_lf = cr & (lf >> 1);
  return ByteClassMasks{lf, colon, ws, bad, lf | (bad & ~cr_before_lf)};
}

void classify_sse2(const std::uint8_t* p, std::size_t blocks, ByteClassMasks* out) {
  const __m128i v_lf = _mm_set1_epi8('\n');
  const __m128i v_cr = _mm_set1_epi8('\r');
  const __m128i v_colon = _mm_set1_epi8(':');
  const __m128i v_sp = _mm_set1_epi8(' ');
  const __m128i v_tab = _mm_set1_epi8('\t');
  const __m128i v_1f = _mm_set1_epi8(0x1F);
  const __m128i v_del = _mm_set1_epi8(0x7F);
  const auto mm = [](__m128i v) { return static_cast<std::uint64_t>(_mm_movemask_epi8(v)); };
  for (std::size_t b = 0; b < blocks; ++b, p += kBlock) {
    std::uint64_t lf = 0, cr = 0, colon = 0, ws = 0, low = 0;
    for (unsigned i = 0; i < 4; ++i) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      const unsigned sh = 16 * i;
      lf |= mm(_mm_cmpeq_epi8(x, v_lf)) << sh;
      cr |= mm(_mm_cmpeq_epi8(x, v_cr)) << sh;
      colon |= mm(_mm_cmpeq_epi8(x, v_colon)) << sh;
      ws |= mm(_mm_or_si128(_mm_cmpeq_epi8(x, v_sp), _mm_cmpeq_epi8(x, v_tab))) << sh;
      // x <= 0x1F (unsigned) or x == 0x7F
      const __m128i l = _mm_cmpeq_epi8(_mm_min_epu8(x, v_1f), x);
      low |= mm(_mm_or_si128(l, _mm_cmpeq_epi8(x, v_del))) << sh;
    }
    out[b] = derive_masks(lf, cr, colon, ws, low);
  }
}

// A lambda would not inherit the target attribute, hence a function.
__attribute__((target("avx2"), always_inline)) inline std::uint64_t mm(__m256i v) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(v)));
}

__attribute__((target("avx2"))) void classify_avx2(const std::uint8_t* p, std::size_t blocks,
                                                   ByteClassMasks* out) {
  const __m256i v_lf = _mm256_set1_epi8('\n');
  const __m256i v_cr = _mm256_set1_epi8('\r');
  const __m256i v_colon = _mm256_set1_epi8(':');
  const __m256i v_sp = _mm256_set1_epi8(' ');
  const __m256i v_tab = _mm256_set1_epi8('\t');
  const __m256i v_1f = _mm256_set1_epi8(0x1F);
  const __m256i v_del = _mm256_set1_epi8(0x7F);
  for (std::size_t b = 0; b < blocks; ++b, p += kBlock) {
    std::uint64_t lf = 0, cr = 0, colon = 0, ws = 0, low = 0;
    for (unsigned i = 0; i < 2; ++i) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * i));
      const unsigned sh = 32 * i;
      lf |= mm(_mm256_cmpeq_epi8(x, v_lf)) << sh;
      cr |= mm(_mm256_cmpeq_epi8(x, v_cr)) << sh;
      colon |= mm(_mm256_cmpeq_epi8(x, v_colon)) << sh;
      ws |= mm(_mm256_or_si256(_mm256_cmpeq_epi8(x, v_sp), _mm256_cmpeq_epi8(x, v_tab))) << sh;
      const __m256i l = _mm256_cmpeq_epi8(_mm256_min_epu8(x, v_1f), x);
      low |= mm(_mm256_or_si256(l, _mm256_cmpeq_epi8(x, v_del))) << sh;
    }
    out[b] = derive_masks(lf, cr, colon, ws, low);
  }
}

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}

// ---------------------------------------------------------------- stage 2

// Outcome of parsing one message at a position.
enum class Step : std::uint8_t { kMessage, kIncomplete, kError };

class SegmentParser {
 public:
  SegmentParser(const std::uint8_t* seg, std::uint32_t len, bool stream, std::uint32_t max_bytes,
                ByteClassMasks* masks, void (*classify)(const std::uint8_t*, std::size_t, ByteClassMasks*),
                SipParseOutput& out)
      : seg_(seg), len_(len), stream_(stream), max_(max_bytes), masks_(masks), classify_(classify), out_(out) {}

  void run(SegmentResult& r) {
    r.first_message = static_cast<std::uint32_t>(out_.messages.size());
    std::uint32_t pos = 0;
    for (;;) {
      // RFC 3261 §7.5 / RFC 5626 §3.5.1: CRLFs before a start line (stream
      // keepalives included) are skipped, and count as consumed.
      while (pos < len_ && (seg_[pos] == '\r' || seg_[pos] == '\n')) ++pos;
      r.consumed = pos;
      if (pos >= len_) return;
      const Step step = parse_message(pos);
      if (step == Step::kError) {
        r.error = static_cast<std::uint8_t>(error_);
        r.error_offset = error_offset_;
        return;
      }
      if (step == Step::kIncomplete) {
        r.pending_total_len = pending_total_;  // the resume point (0: header block not complete)
        return;
      }
      ++r.message_count;
      pos = next_pos_;
      r.consumed = pos;
      if (!stream_) return;  // a datagram holds one message; the rest is ignored (RFC 3261 §18.3)
    }
  }

 private:
  // Makes the masks of block `b` available. Classification only moves forward
  // (the walk never looks back past the current message start), so blocks
  // skipped by a jump over a body are never classified.
  void ensure(std::uint32_t b) {
    if (b < computed_) return;
    const std::uint32_t full_blocks = len_ / kBlock;
    if (b < full_blocks) {
      const std::uint32_t n = std::min<std::uint32_t>(static_cast<std::uint32_t>(kChunkBlocks), full_blocks - b);
      classify_(seg_ + static_cast<std::size_t>(b) * kBlock, n, masks_ + b);
      computed_ = b + n;
      return;
    }
    // The last, partial block: classify a padded copy. 'a' sets no mask bit.
    alignas(64) std::uint8_t tail[kBlock];
    std::memset(tail, 'a', kBlock);
    const std::uint32_t start = b * static_cast<std::uint32_t>(kBlock);
    std::memcpy(tail, seg_ + start, len_ - start);
    classify_(tail, 1, masks_ + b);
    computed_ = b + 1;
  }

  // Jump target for the next message: blocks before it need no classification.
  void skip_to(std::uint32_t pos) {
    const std::uint32_t b = pos / kBlock;
    if (b > computed_) computed_ = b;
  }

  // First position in [from, limit) whose bit is set in get(masks), or limit.
  template <typename Get>
  std::uint32_t find(std::uint32_t from, std::uint32_t limit, Get get) {
    if (from >= limit) return limit;
    std::uint32_t b = from / kBlock;
    const std::uint32_t last = (limit - 1) / kBlock;
    ensure(b);
    std::uint64_t m = get(masks_[b]) & (~0ull << (from % kBlock));
    for (;;) {
      if (m != 0) {
        const std::uint32_t p = b * static_cast<std::uint32_t>(kBlock) + static_cast<std::uint32_t>(std::countr_zero(m));
        return p < limit ? p : limit;
      }
      if (++b > last) return limit;
      ensure(b);
      m = get(masks_[b]);
    }
  }
  std::uint32_t find_lf(std::uint32_t from, std::uint32_t limit) {
    return find(from, limit, [](const ByteClassMasks& m) { return m.lf; });
  }
  std::uint32_t find_colon(std::uint32_t from, std::uint32_t limit) {
    return find(from, limit, [](const ByteClassMasks& m) { return m.colon; });
  }
  std::uint32_t find_non_ws(std::uint32_t from, std::uint32_t limit) {
    return find(from, limit, [](const ByteClassMasks& m) { return ~m.ws; });
  }
  std::uint32_t find_bad(std::uint32_t from, std::uint32_t limit) {
    return find(from, limit, [](const ByteClassMasks& m) { return m.bad; });
  }

  Step fail(ParseError e, std::uint32_t offset) {
    error_ = e;
    error_offset_ = offset;
    out_.headers.resize(first_header_);  // the failed message leaves no records
    return Step::kError;
  }

  // The header section ends beyond `limit`. With max_message_bytes already in
  // view the header is too long; a stream waits for more bytes; a datagram has
  // no more bytes, so the line that runs off its end is malformed.
  Step out_of_bytes(std::uint32_t ms, std::uint32_t line_start, ParseError datagram_error) {
    if (static_cast<std::uint64_t>(ms) + max_ <= len_) return fail(ParseError::kHeaderTooLong, ms);
    if (stream_) {
      out_.headers.resize(first_header_);
      return Step::kIncomplete;
    }
    return fail(datagram_error, line_start);
  }

  // Control bytes in a header line are an error unless escaped by a backslash
  // (RFC 3261 quoted-pair allows %x00-09 / %x0B-0C / %x0E-7F: RFC 4475
  // intmeth carries NUL, BEL and DEL that way). A CR inside a line is never
  // allowed. Returns the offending offset or `end`.
  std::uint32_t first_bad_in_header_line(std::uint32_t s, std::uint32_t end) {
    std::uint32_t p = find_bad(s, end);
    while (p < end && seg_[p] != '\r' && p > s && seg_[p - 1] == '\\') p = find_bad(p + 1, end);
    return p;
  }

  static bool is_version(const std::uint8_t* p, std::uint32_t n) {
    // "SIP/" 1*DIGIT "." 1*DIGIT; "SIP" is case-insensitive (RFC 3261 §7.1).
    if (n < 7) return false;
    if ((p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'p' || p[3] != '/') return false;
    std::uint32_t i = 4;
    const std::uint32_t major = i;
    while (i < n && is_digit(p[i])) ++i;
    if (i == major || i >= n || p[i] != '.') return false;
    ++i;
    const std::uint32_t minor = i;
    while (i < n && is_digit(p[i])) ++i;
    return i != minor && i == n;
  }

  // Start line [a, e), e at its CR. Offsets in `m` are relative to a (= message start).
  bool parse_start_line(std::uint32_t a, std::uint32_t e, MessageRecord& m) {
    const std::uint8_t* p = seg_ + a;
    const std::uint32_t n = e - a;
    const auto* sp = static_cast<const std::uint8_t*>(std::memchr(p, ' ', n));
    if (sp == nullptr) return false;
    const auto sp1 = static_cast<std::uint32_t>(sp - p);
    if (n >= 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' && p[3] == '/') {
      // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase. The reason
      // may be empty (RFC 4475 noreason); a missing SP before an empty reason
      // is tolerated as well.
      if (!is_version(p, sp1)) return false;
      if (n < sp1 + 4 || !is_digit(p[sp1 + 1]) || !is_digit(p[sp1 + 2]) || !is_digit(p[sp1 + 3])) return false;
      if (n > sp1 + 4 && p[sp1 + 4] != ' ') return false;
      m.version = Span{0, sp1};
      m.status_code = static_cast<std::uint16_t>((p[sp1 + 1] - '0') * 100 + (p[sp1 + 2] - '0') * 10 + (p[sp1 + 3] - '0'));
      const std::uint32_t r = std::min(n, sp1 + 5);
      m.reason = Span{r, n - r};
      return true;
    }
    // Request-Line = Method SP Request-URI SP SIP-Version. The method ends at
    // the first SP, the version is the last SP-separated word (trailing
    // whitespace excluded), the URI is everything between, verbatim: extra
    // whitespace there (RFC 4475 lwsstart, lwsruri, trws) is for the
    // validation layer to name precisely, not a framing problem.
    if (sp1 == 0) return false;
    for (std::uint32_t i = 0; i < sp1; ++i) {
      if (!kToken[p[i]]) return false;
    }
    std::uint32_t t = n;
    while (t > sp1 && is_blank(p[t - 1])) --t;
    std::uint32_t last = t;
    while (last > sp1 && p[last - 1] != ' ') --last;
    // last: start of the version word; p[last - 1] is its SP (or last == sp1
    // when the line has a single SP). The URI needs at least one byte.
    if (last < sp1 + 3) return false;
    const std::uint32_t vsp = last - 1;
    if (!is_version(p + last, t - last)) return false;
    m.flags |= kMessageIsRequest;
    m.method = Span{0, sp1};
    m.uri = Span{sp1 + 1, vsp - (sp1 + 1)};
    m.version = Span{last, t - last};
    return true;
  }

  // The pending header record gets its final value span and flags.
  void finish_header() {
    if (pending_ < 0) return;
    HeaderRecord& h = out_.headers[static_cast<std::size_t>(pending_)];
    if (value_start_ == kUnset) {
      h.value_off = value_empty_at_ - ms_;
      h.value_len = 0;
      h.flags |= kHeaderEmptyValue;
    } else {
      h.value_off = value_start_ - ms_;
      h.value_len = value_end_ - value_start_;
    }
    pending_ = -1;
  }

  // Trailing SP/HTAB before `end` (exclusive), never before `floor`.
  std::uint32_t trim_back(std::uint32_t floor, std::uint32_t end) const {
    while (end > floor && is_blank(seg_[end - 1])) --end;
    return end;
  }

  // Parses a value for Content-Length: 1*DIGIT.
  Step frame(std::uint32_t ms, std::uint32_t hend, MessageRecord& m) {
    const std::uint32_t header_len = hend - ms;
    std::uint64_t body = 0;
    if (cl_index_ >= 0) {
      const HeaderRecord& h = out_.headers[static_cast<std::size_t>(cl_index_)];
      const std::uint32_t at = ms + h.value_off;
      if (h.value_len == 0) return fail(ParseError::kBadContentLength, at);
      const std::uint8_t* v = seg_ + at;
      for (std::uint32_t i = 0; i < h.value_len; ++i) {
        if (!is_digit(v[i])) return fail(ParseError::kBadContentLength, at);
        body = body * 10 + static_cast<std::uint64_t>(v[i] - '0');
        if (body > 0xFFFFFFFFull) return fail(ParseError::kBadContentLength, at);
      }
      if (header_len + body > max_) return fail(ParseError::kMessageTooLarge, at);
      m.flags |= kMessageHasContentLength;
      if (hend + body > len_) {
        if (stream_) {
          out_.headers.resize(first_header_);
          pending_total_ = header_len + static_cast<std::uint32_t>(body);
          return Step::kIncomplete;
        }
        return fail(ParseError::kBodyTruncated, hend);
      }
    } else {
      if (stream_) return fail(ParseError::kMissingContentLength, ms);
      body = len_ - hend;
      if (header_len + body > max_) return fail(ParseError::kMessageTooLarge, ms);
    }
    m.header_len = header_len;
    m.body_len = static_cast<std::uint32_t>(body);
    m.total_len = header_len + m.body_len;
    next_pos_ = hend + m.body_len;
    skip_to(next_pos_);
    return Step::kMessage;
  }

  // A new header record for the line [s, le) (le at its CR) whose name is
  // [s, ne) and whose colon is at `colon`; its value may still grow by folded
  // lines (finish_header closes it).
  void add_header(std::uint32_t s, std::uint32_t ne, std::uint32_t colon, std::uint32_t le, HeaderId id) {
    HeaderRecord h{};
    h.id = static_cast<std::uint8_t>(id);
    h.name_off = s - ms_;
    h.name_len = static_cast<std::uint16_t>(ne - s);
    if (id != HeaderId::kOther) {
      const std::uint64_t bit = 1ull << static_cast<unsigned>(id);
      if ((seen_ & bit & kSingletonMask) != 0) h.flags |= kHeaderDuplicateSingleton;
      seen_ |= bit;
      if (ne - s == 1) h.flags |= kHeaderCompactName;
      if (id == HeaderId::kContentLength && cl_index_ < 0) {
        cl_index_ = static_cast<std::int64_t>(out_.headers.size());
      }
    }
    pending_ = static_cast<std::int64_t>(out_.headers.size());
    out_.headers.push_back(h);
    ++count_;
    value_empty_at_ = colon + 1;
    // Leading whitespace is one SP almost always: a byte loop beats a mask
    // scan. Neither loop needs a bound: seg_[le] is the CR, and seg_[vs] is
    // not whitespace once the first loop stops short of le.
    std::uint32_t vs = colon + 1;
    while (is_blank(seg_[vs])) ++vs;
    if (vs < le) {
      value_start_ = vs;
      std::uint32_t ve = le;
      while (is_blank(seg_[ve - 1])) --ve;
      value_end_ = ve;
    } else {
      value_start_ = kUnset;
    }
  }

  bool is_token_run(std::uint32_t s, std::uint32_t e) const {
    for (std::uint32_t i = s; i < e; ++i) {
      if (!kToken[seg_[i]]) return false;
    }
    return true;
  }

  // The common header line, "Name: value" CRLF with nothing unusual in it,
  // indexed with two mask scans: to the colon (no stop byte before it), then
  // to the LF (no stop byte before it either, so the line holds no control
  // byte and no bare LF). Returns the position after the line, or 0 when the
  // line needs the general rules (continuation, error, escaped control byte,
  // a CRLF split across two blocks, the header limit); nothing is changed then.
  std::uint32_t plain_header_line(std::uint32_t s, std::uint32_t limit) {
    if (is_blank(seg_[s]) || count_ == kMaxHeadersPerMessage) return 0;
    const std::uint32_t colon = find(s, limit, [](const ByteClassMasks& m) { return m.colon | m.stop; });
    if (colon == limit || seg_[colon] != ':') return 0;
    const std::uint32_t lf = find(colon + 1, limit, [](const ByteClassMasks& m) { return m.stop; });
    if (lf == limit || seg_[lf] != '\n' || seg_[lf - 1] != '\r') return 0;
    // seg_[s] is not whitespace, so this trim needs no bound either.
    std::uint32_t ne = colon;
    while (is_blank(seg_[ne - 1])) --ne;
    if (ne == s || ne - s > 0xFFFF) return 0;
    const HeaderId id = names_.lookup(seg_ + s, ne - s);
    // A known name matched a canonical (token) name byte for byte up to
    // case, so only other names need the token check.
    if (id == HeaderId::kOther && !is_token_run(s, ne)) return 0;
    finish_header();
    add_header(s, ne, colon, lf - 1, id);
    return lf + 1;
  }

  Step parse_message(std::uint32_t ms) {
    ms_ = ms;
    pending_total_ = 0;
    first_header_ = static_cast<std::uint32_t>(out_.headers.size());
    pending_ = -1;
    cl_index_ = -1;
    seen_ = 0;
    count_ = 0;
    const std::uint32_t limit = static_cast<std::uint32_t>(std::min<std::uint64_t>(len_, std::uint64_t{ms} + max_));

    MessageRecord m{};
    m.start = ms;
    m.first_header = first_header_;

    // Start line.
    std::uint32_t lf = find_lf(ms, limit);
    if (lf == limit) return out_of_bytes(ms, ms, ParseError::kBadStartLine);
    if (seg_[lf - 1] != '\r') return fail(ParseError::kBareLf, lf);
    if (const std::uint32_t bad = find_bad(ms, lf - 1); bad < lf - 1) return fail(ParseError::kBadBytes, bad);
    if (!parse_start_line(ms, lf - 1, m)) return fail(ParseError::kBadStartLine, ms);

    std::uint32_t s = lf + 1;
    for (;;) {
      if (s >= limit) return out_of_bytes(ms, s, ParseError::kBadHeaderLine);
      const std::uint8_t c = seg_[s];
      if (c == '\r') {
        if (s + 1 >= limit) return out_of_bytes(ms, s, ParseError::kBadHeaderLine);
        if (seg_[s + 1] != '\n') return fail(ParseError::kBadBytes, s);
        finish_header();
        const Step st = frame(ms, s + 2, m);
        if (st != Step::kMessage) return st;
        m.header_count = static_cast<std::uint16_t>(count_);
        out_.messages.push_back(m);
        return Step::kMessage;
      }
      if (const std::uint32_t next = plain_header_line(s, limit); next != 0) {
        s = next;
        continue;
      }
      // The general rules, in the order docs/header-index.md gives them.
      if (c == '\n') return fail(ParseError::kBareLf, s);
      lf = find_lf(s, limit);
      if (lf == limit) return out_of_bytes(ms, s, ParseError::kBadHeaderLine);
      if (seg_[lf - 1] != '\r') return fail(ParseError::kBareLf, lf);
      const std::uint32_t le = lf - 1;  // the CR
      if (const std::uint32_t bad = first_bad_in_header_line(s, le); bad < le) {
        return fail(ParseError::kBadBytes, bad);
      }
      if (is_blank(c)) {
        // Continuation of the previous header's value (RFC 3261 §7.3.1 LWS).
        if (pending_ < 0) return fail(ParseError::kBadHeaderLine, s);
        out_.headers[static_cast<std::size_t>(pending_)].flags |= kHeaderFolded;
        const std::uint32_t vs = find_non_ws(s, le);
        if (vs < le) {
          if (value_start_ == kUnset) value_start_ = vs;
          value_end_ = trim_back(vs, le);
        }
      } else {
        finish_header();
        if (count_ == kMaxHeadersPerMessage) return fail(ParseError::kTooManyHeaders, s);
        const std::uint32_t colon = find_colon(s, le);
        if (colon == le) return fail(ParseError::kBadHeaderLine, s);
        const std::uint32_t ne = trim_back(s, colon);
        if (ne == s || ne - s > 0xFFFF) return fail(ParseError::kBadHeaderLine, s);
        const HeaderId id = names_.lookup(seg_ + s, ne - s);
        if (id == HeaderId::kOther && !is_token_run(s, ne)) return fail(ParseError::kBadHeaderLine, s);
        add_header(s, ne, colon, le, id);
      }
      s = lf + 1;
    }
  }

  static constexpr std::uint32_t kUnset = 0xFFFFFFFFu;

  const std::uint8_t* seg_;
  std::uint32_t len_;
  bool stream_;
  std::uint32_t max_;
  ByteClassMasks* masks_;
  void (*classify_)(const std::uint8_t*, std::size_t, ByteClassMasks*);
  SipParseOutput& out_;
  const NameTable& names_ = name_table();
  std::uint32_t computed_ = 0;  // blocks [.., computed_) classified (from the current message on)

  // Per message.
  std::uint32_t ms_ = 0;
  std::uint32_t first_header_ = 0;
  std::int64_t pending_ = -1;     // index of the header whose value may still grow
  std::int64_t cl_index_ = -1;    // first Content-Length record
  std::uint64_t seen_ = 0;        // bit per HeaderId seen so far (duplicate singletons)
  std::uint32_t count_ = 0;       // header lines so far
  std::uint32_t value_start_ = kUnset;
  std::uint32_t value_end_ = 0;
  std::uint32_t value_empty_at_ = 0;
  std::uint32_t next_pos_ = 0;
  std::uint32_t pending_total_ = 0;  // total_len of a stream message whose body is not all there
  ParseError error_ = ParseError::kNone;
  std::uint32_t error_offset_ = 0;
};

}  // namespace

CpuSipParseEngine::CpuSipParseEngine(SipParseLimits limits)
    : CpuSipParseEngine(limits, cpu_has_avx2() ? SimdLevel::kAvx2 : SimdLevel::kSse2) {}

CpuSipParseEngine::CpuSipParseEngine(SipParseLimits limits, SimdLevel level)
    : limits_(limits),
      level_(level == SimdLevel::kAvx2 && cpu_has_avx2() ? SimdLevel::kAvx2 : SimdLevel::kSse2),
      classify_(level_ == SimdLevel::kAvx2 ? &classify_avx2 : &classify_sse2) {}

void CpuSipParseEngine::parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
                              SipParseOutput& out) {
  out.clear();
  out.segments.resize(segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentDescriptor& d = segments[i];
    SegmentResult& r = out.segments[i];
    r = SegmentResult{};
    r.first_message = static_cast<std::uint32_t>(out.messages.size());
    // A descriptor outside the buffer is a caller bug; it is reported on the
    // segment (kBadBytes at offset 0) rather than thrown, as the kernel would.
    if (d.offset > bytes.size() || d.length > bytes.size() - d.offset) {
      r.error = static_cast<std::uint8_t>(ParseError::kBadBytes);
      continue;
    }
    const std::size_t blocks = (static_cast<std::size_t>(d.length) + kBlock - 1) / kBlock;
    if (blocks > masks_capacity_) {
      masks_capacity_ = std::max(blocks, masks_capacity_ * 2);
      masks_ = std::make_unique_for_overwrite<ByteClassMasks[]>(masks_capacity_);
    }
    SegmentParser p(bytes.data() + d.offset, d.length, (d.flags & kSegmentStream) != 0, limits_.max_message_bytes,
                    masks_.get(), classify_, out);
    p.run(r);
  }
}

}  // namespace sipnic::offload
