// StreamFraming: when a stream's receive buffer is worth parsing. The rules
// one by one, then the property the receive path relies on, against the cpu
// engine: whenever StreamFraming says "not ready", the engine would find no
// message in the buffer, so skipping it delays nothing that could be
// delivered; and a stream fed one byte at a time through it yields exactly
// what one parse of the whole stream yields (an error in a header block,
// with its code and offset, once the block is complete), parsing each byte
// at most twice.
#include "sip/stream_framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "offload/cpu_sip_parse_engine.h"
#include "support/corpus.h"

namespace sipnic::sip {
namespace {

constexpr std::uint32_t kMax = 64 * 1024;

const std::string kOptions =
    "OPTIONS sip:node@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-1\r\n"
    "Call-ID: call-1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 5\r\n\r\nhello";

// Bytes fed one at a time: the first prefix length at which ready() is
// true, 0 if none.
std::size_t first_ready(StreamFraming& f, std::string_view bytes, std::uint32_t max = kMax) {
  for (std::size_t n = 1; n <= bytes.size(); ++n) {
    if (f.ready(bytes.substr(0, n), max)) return n;
  }
  return 0;
}

TEST(StreamFraming, HeaderBlockIsReadyOnlyOnceItsBlankLineIsComplete) {
  StreamFraming f;
  const std::size_t head = kOptions.find("\r\n\r\n") + 4;
  EXPECT_EQ(first_ready(f, kOptions), head);
}

TEST(StreamFraming, BareLfAndAStrayCrAfterALineAreReadyForTheEngineToReject) {
  const std::string bare = "OPTIONS sip:x SIP/2.0\nVia: x\n\n";
  StreamFraming a;
  EXPECT_EQ(first_ready(a, bare), bare.size());
  const std::string stray = "OPTIONS sip:x SIP/2.0\r\n\rX";
  StreamFraming b;
  EXPECT_EQ(first_ready(b, stray), stray.size());
}

TEST(StreamFraming, KeepalivesAloneAreNeverReadyAndDoNotCountAsABlankLine) {
  StreamFraming f;
  EXPECT_EQ(first_ready(f, "\r\n\r\n\r\n\r\n\r\n"), 0u);
  StreamFraming g;
  EXPECT_EQ(first_ready(g, "\r\n\r\n" + kOptions), 4 + kOptions.find("\r\n\r\n") + 4);
}

TEST(StreamFraming, AfterTheResumePointOnlyTheWholeMessageIsReady) {
  StreamFraming f;
  const std::string s = "\r\n" + kOptions;
  f.after_parse(s.size() - 3, 2, static_cast<std::uint32_t>(kOptions.size()));
  EXPECT_EQ(f.needed(), s.size());
  EXPECT_FALSE(f.ready(std::string_view(s).substr(0, s.size() - 1), kMax));
  EXPECT_TRUE(f.ready(s, kMax));
  // Keepalive bytes taken off the front move the point with them.
  f.drop_front(2);
  EXPECT_EQ(f.needed(), kOptions.size());
  // Without a resume point the engine has searched what it saw.
  f.after_parse(10, 0, 0);
  EXPECT_EQ(f.needed(), 0u);
}

TEST(StreamFraming, HeaderBlockThatReachesTheLimitIsReadyForHeaderTooLong) {
  StreamFraming f;
  const std::string s = "\r\nOPTIONS sip:x SIP/2.0\r\nX: " + std::string(100, 'x');
  EXPECT_EQ(first_ready(f, s, 50), 2u + 50u);  // 50 bytes from the message start
}

// ---- against the engine ---------------------------------------------------

struct Outcome {
  std::vector<std::string> messages;
  std::uint8_t error = 0;
  std::size_t error_offset = 0;  // in the stream
  // An error in a header block that never ends within the stream: found
  // once the header block is complete, or by the limit or the partial
  // message timeout of the transport; here, by parsing what is left.
  std::uint8_t error_in_unfinished_block = 0;
  std::size_t parsed_bytes = 0;  // bytes the engine was given
};

offload::SipParseOutput parse(offload::CpuSipParseEngine& e, std::string_view s) {
  offload::SipParseOutput out;
  const offload::SegmentDescriptor d{0, static_cast<std::uint32_t>(s.size()), offload::kSegmentStream};
  e.parse({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}, {&d, 1}, out);
  return out;
}

// One parse of the whole stream.
Outcome at_once(offload::CpuSipParseEngine& e, std::string_view s) {
  Outcome o;
  const auto out = parse(e, s);
  for (const auto& m : out.messages) o.messages.emplace_back(s.substr(m.start, m.total_len));
  o.error = out.segments[0].error;
  o.error_offset = out.segments[0].error_offset;
  return o;
}

// The receive path's way, one byte per read: parse only when StreamFraming
// says so, and check at every skipped prefix that the engine would have found
// nothing there.
Outcome byte_by_byte(offload::CpuSipParseEngine& e, std::string_view s, std::uint32_t max, std::string& failure) {
  Outcome o;
  StreamFraming f;
  std::string in;
  std::size_t base = 0;  // stream offset of in[0]
  for (char c : s) {
    in += c;
    if (!f.ready(in, max)) {
      if (parse(e, in).segments[0].message_count != 0) {
        failure = "skipped a buffer of " + std::to_string(in.size()) + " bytes that holds a message";
        return o;
      }
      continue;
    }
    o.parsed_bytes += in.size();
    const auto out = parse(e, in);
    const auto& r = out.segments[0];
    for (const auto& m : out.messages) o.messages.push_back(in.substr(m.start, m.total_len));
    if (r.error != 0) {
      o.error = r.error;
      o.error_offset = base + r.error_offset;
      return o;
    }
    f.after_parse(in.size(), r.consumed, r.pending_total_len);
    in.erase(0, r.consumed);
    f.drop_front(r.consumed);
    base += r.consumed;
  }
  if (!in.empty()) o.error_in_unfinished_block = parse(e, in).segments[0].error;
  return o;
}

TEST(StreamFraming, OneByteReadsYieldWhatOneParseOfTheStreamYields) {
  std::vector<std::string> streams = test::rfc_torture_messages(SIPNIC_TESTDATA);
  ASSERT_EQ(streams.size(), 61u);
  const auto trunk = test::read_message_files(std::string(SIPNIC_SOURCE_DIR) + "/bench/corpus/trunk_mix");
  ASSERT_FALSE(trunk.empty());
  std::string mix = "\r\n\r\n";
  for (const auto& m : trunk) mix += m + "\r\n";
  streams.push_back(mix);
  unsigned errors = 0, messages = 0, unfinished = 0;
  for (std::uint32_t max : {kMax, 300u}) {
    offload::CpuSipParseEngine engine({max});
    for (std::size_t i = 0; i < streams.size(); ++i) {
      SCOPED_TRACE("stream " + std::to_string(i) + ", max " + std::to_string(max));
      std::string failure;
      const Outcome want = at_once(engine, streams[i]);
      const Outcome got = byte_by_byte(engine, streams[i], max, failure);
      ASSERT_EQ(failure, "");
      EXPECT_EQ(got.messages, want.messages);
      EXPECT_EQ(got.error != 0 ? got.error : got.error_in_unfinished_block, want.error);
      if (got.error != 0) {
        EXPECT_EQ(got.error_offset, want.error_offset);
      }
      unfinished += got.error_in_unfinished_block != 0;
      // Each byte at most twice (a header block, then its whole message),
      // plus a failing or incomplete tail (at most max_message_bytes, twice);
      // a parse per read would be about size^2 / 2.
      EXPECT_LE(got.parsed_bytes, 2 * streams[i].size() + 2 * std::size_t{max});
      errors += want.error != 0;
      messages += static_cast<unsigned>(want.messages.size());
    }
  }
  EXPECT_GT(errors, 10u);
  EXPECT_GT(messages, 60u);
  EXPECT_LT(unfinished, errors / 4) << "most errors are found in a complete header block";
}

}  // namespace
}  // namespace sipnic::sip
