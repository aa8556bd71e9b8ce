// RecordLayer back to back (two layers with mirrored keys on the cpu
// GcmEngine), plus records crafted with the engine directly for the cases a
// correct peer never produces.
#include "tls/record_layer.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "offload/cpu_gcm_engine.h"

namespace sipnic::tls {
namespace {

Secret random_secret(std::size_t n) {
  std::vector<std::uint8_t> b(n);
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  return Secret(b);
}

struct Keys13 {
  Secret client, server;  // traffic secrets
};

class RecordLayerTest : public ::testing::Test {
 protected:
  RecordLayerTest() : engine_(std::make_unique<offload::CpuGcmEngine>(16)), pool_(*engine_) {}

  void make(TlsVersion version, GcmSuite suite, RecordLayerOptions options = {}) {
    TakeoverState c, s;
    c.version = s.version = version;
    c.suite = s.suite = suite;
    s.is_server = true;
    if (version == TlsVersion::kTls13) {
      keys_.client = random_secret(hash_bytes(suite_hash(suite)));
      keys_.server = random_secret(hash_bytes(suite_hash(suite)));
      c.write.traffic_secret = s.read.traffic_secret = keys_.client;
      c.read.traffic_secret = s.write.traffic_secret = keys_.server;
    } else {
      const auto ck = random_secret(suite_key_bytes(suite)), sk = random_secret(suite_key_bytes(suite));
      const auto cs = random_secret(4), ss = random_secret(4);
      c.write.key = s.read.key = ck;
      c.write.salt = s.read.salt = cs;
      c.read.key = s.write.key = sk;
      c.read.salt = s.write.salt = ss;
      c.read.seq = c.write.seq = s.read.seq = s.write.seq = 1;
    }
    client_ = std::make_unique<RecordLayer>(pool_, *pool_.acquire(), *pool_.acquire(), std::move(c), options);
    server_ = std::make_unique<RecordLayer>(pool_, *pool_.acquire(), *pool_.acquire(), std::move(s), options);
  }

  // client -> server
  std::string deliver() {
    std::string ignored, got;
    client_->process(ignored);
    server_->feed(client_->take_output());
    server_->process(got);
    return got;
  }

  // A TLS 1.3 record from the client with any inner plaintext, at `seq`.
  std::vector<std::uint8_t> craft(std::uint64_t seq, const std::vector<std::uint8_t>& inner) {
    auto keys = tls13_traffic_keys(GcmSuite::kAes128GcmSha256, keys_.client);
    const std::uint32_t slot = engine_->key_slots() - 1;
    EXPECT_TRUE(engine_->set_key(slot, keys->key.bytes()));
    offload::GcmJob job{};
    job.key_slot = slot;
    job.op = static_cast<std::uint8_t>(offload::GcmOp::kEncrypt);
    std::memcpy(job.nonce, keys->iv.bytes().data(), 12);
    for (int i = 0; i < 8; ++i) job.nonce[4 + i] ^= static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    const std::size_t len = inner.size() + 16;
    const std::uint8_t header[] = {23, 3, 3, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
    std::memcpy(job.aad, header, 5);
    job.aad_bytes = 5;
    job.length = static_cast<std::uint32_t>(inner.size());
    std::vector<std::uint8_t> bytes = inner;
    offload::GcmResult result{};
    engine_->run(bytes, {&job, 1}, {&result, 1});
    engine_->clear_key(slot);
    std::vector<std::uint8_t> record(5 + len);
    std::memcpy(record.data(), header, 5);
    if (!bytes.empty()) std::memcpy(record.data() + 5, bytes.data(), bytes.size());
    std::memcpy(record.data() + 5 + bytes.size(), result.tag, 16);
    return record;
  }

  std::string feed_server(const std::vector<std::uint8_t>& bytes) {
    std::string got;
    server_->feed(bytes);
    server_->process(got);
    return got;
  }

  std::unique_ptr<offload::GcmEngine> engine_;
  KeySlotPool pool_;
  Keys13 keys_;
  std::unique_ptr<RecordLayer> client_, server_;
};

TEST_F(RecordLayerTest, CarriesDataByteExactForBothVersionsAndSuites) {
  for (auto version : {TlsVersion::kTls13, TlsVersion::kTls12}) {
    for (auto suite : {GcmSuite::kAes128GcmSha256, GcmSuite::kAes256GcmSha384}) {
      make(version, suite);
      std::string data(70000, '\0');
      for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
      client_->send(data);
      EXPECT_EQ(deliver(), data);
      EXPECT_EQ(client_->write_seq(), (version == TlsVersion::kTls12 ? 1u : 0u) + 5u);  // 4 full + 1 partial
    }
  }
}

TEST_F(RecordLayerTest, UnsentBytesCountFramedRecordsUntilTheirOutputIsConsumed) {
  // What the transport's output cap counts for a TLS connection.
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  EXPECT_EQ(client_->unsent_bytes(), 0u);
  client_->send(std::string(1000, 'a'));
  // Framed at once (header, content, type byte, room for the tag), not sealed yet.
  EXPECT_EQ(client_->unsent_bytes(), 5u + 1000 + 1 + 16);
  EXPECT_TRUE(client_->output().empty());
  std::string ignored;
  client_->process(ignored);
  EXPECT_EQ(client_->output().size(), client_->unsent_bytes());
  client_->consume_output(100);
  EXPECT_EQ(client_->unsent_bytes(), 5u + 1000 + 1 + 16 - 100);
  client_->consume_output(client_->output().size());
  EXPECT_EQ(client_->unsent_bytes(), 0u);
}

TEST_F(RecordLayerTest, KeyUpdateInTheMiddleOfABatchReopensTheRecordsAfterIt) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  client_->send(std::string("before"));
  ASSERT_TRUE(client_->request_key_update(false));
  client_->send(std::string("after"));
  std::string ignored;
  client_->process(ignored);
  EXPECT_EQ(client_->write_key_updates(), 1u);
  server_->feed(client_->take_output());  // three records in one read
  std::string got;
  const OpenResult r = server_->process(got);
  EXPECT_EQ(got, "beforeafter");
  EXPECT_EQ(r.records, 3u);
  EXPECT_EQ(server_->read_key_updates(), 1u);
  EXPECT_EQ(server_->state(), RecordState::kOpen);
}

TEST_F(RecordLayerTest, UpdateRequestedIsAnsweredBeforeTheNextData) {
  make(TlsVersion::kTls13, GcmSuite::kAes256GcmSha384);
  ASSERT_TRUE(client_->request_key_update(true));
  EXPECT_EQ(deliver(), "");
  EXPECT_TRUE(server_->wants_seal() || server_->write_key_updates() == 1u);
  server_->send(std::string("reply"));
  std::string ignored, got;
  server_->process(ignored);
  EXPECT_EQ(server_->write_key_updates(), 1u);
  client_->feed(server_->take_output());
  client_->process(got);
  EXPECT_EQ(got, "reply");
  EXPECT_EQ(client_->read_key_updates(), 1u);
}

TEST_F(RecordLayerTest, Tls12CannotRekey) {
  make(TlsVersion::kTls12, GcmSuite::kAes128GcmSha256);
  EXPECT_FALSE(client_->request_key_update(false));
}

TEST_F(RecordLayerTest, ZeroPaddingAfterTheInnerContentTypeIsRemoved) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  EXPECT_EQ(feed_server(craft(0, {'h', 'i', 23, 0, 0, 0, 0, 0, 0, 0})), "hi");
  EXPECT_EQ(server_->state(), RecordState::kOpen);
}

TEST_F(RecordLayerTest, RecordWithoutContentTypeIsAnUnexpectedMessage) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  feed_server(craft(0, {0, 0, 0, 0}));
  ASSERT_TRUE(server_->close_info());
  EXPECT_EQ(server_->close_info()->alert, alert::kUnexpectedMessage);
  EXPECT_FALSE(server_->take_output().empty());  // the alert went out
}

TEST_F(RecordLayerTest, RecordShorterThanATagIsADecodeError) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  feed_server({23, 3, 3, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  ASSERT_TRUE(server_->close_info());
  EXPECT_EQ(server_->close_info()->alert, alert::kDecodeError);
}

TEST_F(RecordLayerTest, RecordsUnderTheWrongSequenceNumberFailAuthentication) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  feed_server(craft(5, {'x', 23}));  // a replayed or reordered record
  ASSERT_TRUE(server_->close_info());
  EXPECT_EQ(server_->close_info()->alert, alert::kBadRecordMac);
  EXPECT_EQ(server_->state(), RecordState::kClosed);
}

TEST_F(RecordLayerTest, FatalAlertFromThePeerClosesWithoutAnswer) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  feed_server(craft(0, {2, alert::kHandshakeFailure, 21}));
  EXPECT_EQ(server_->state(), RecordState::kClosed);
  ASSERT_TRUE(server_->close_info());
  EXPECT_TRUE(server_->close_info()->alert_received);
  EXPECT_EQ(server_->close_info()->alert, alert::kHandshakeFailure);
  EXPECT_FALSE(server_->send(std::string("x")));
  EXPECT_TRUE(server_->take_output().empty());
}

TEST_F(RecordLayerTest, UserCanceledIsNotFatalInTls13) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  auto bytes = craft(0, {1, alert::kUserCanceled, 21});
  const auto more = craft(1, {'o', 'k', 23});
  bytes.insert(bytes.end(), more.begin(), more.end());
  EXPECT_EQ(feed_server(bytes), "ok");
  EXPECT_EQ(server_->state(), RecordState::kOpen);
}

TEST_F(RecordLayerTest, NewSessionTicketSentToAServerIsAnUnexpectedMessage) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  feed_server(craft(0, {4, 0, 0, 2, 0xAA, 0xBB, 22}));
  ASSERT_TRUE(server_->close_info());
  EXPECT_EQ(server_->close_info()->alert, alert::kUnexpectedMessage);
}

TEST_F(RecordLayerTest, KeyUpdateMustEndItsRecord) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  feed_server(craft(0, {24, 0, 0, 1, 0, 24, 0, 22}));
  ASSERT_TRUE(server_->close_info());
  EXPECT_EQ(server_->close_info()->alert, alert::kUnexpectedMessage);
  EXPECT_EQ(server_->read_key_updates(), 0u);
}

TEST_F(RecordLayerTest, HandshakeMessageSplitAcrossRecordsIsReassembled) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  // A KeyUpdate in two records: header bytes, then the rest.
  auto bytes = craft(0, {24, 0, 22});
  const auto rest = craft(1, {0, 1, 0, 22});
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  feed_server(bytes);
  EXPECT_EQ(server_->read_key_updates(), 1u);
  EXPECT_EQ(server_->state(), RecordState::kOpen);
}

TEST_F(RecordLayerTest, NothingIsSentAfterCloseNotify) {
  make(TlsVersion::kTls12, GcmSuite::kAes256GcmSha384);
  client_->send(std::string("bye"));
  client_->close();
  EXPECT_FALSE(client_->send(std::string("more")));
  EXPECT_EQ(deliver(), "bye");
  EXPECT_TRUE(server_->peer_closed());
  EXPECT_EQ(client_->state(), RecordState::kClosing);
  std::string ignored;
  server_->process(ignored);  // seals the answering close_notify
  client_->feed(server_->take_output());
  client_->process(ignored);
  EXPECT_EQ(client_->state(), RecordState::kClosed);
  EXPECT_TRUE(client_->finished());
  EXPECT_TRUE(client_->close_info()->graceful);
}

TEST_F(RecordLayerTest, SealJobsOfSeveralConnectionsShareOneBatchAndSealInPlaceInEachOutput) {
  make(TlsVersion::kTls13, GcmSuite::kAes128GcmSha256);
  client_->send(std::string("abc"));
  server_->send(std::string("defgh"));
  GcmBatch batch;
  EXPECT_EQ(client_->prepare_seal(batch), 1u);
  EXPECT_EQ(server_->prepare_seal(batch), 1u);
  ASSERT_EQ(batch.jobs.size(), 2u);
  // Each job points into its own connection's output (framed, in place).
  EXPECT_EQ(batch.jobs[0].in, batch.jobs[0].out);
  EXPECT_NE(batch.jobs[0].out, batch.jobs[1].out);
  EXPECT_EQ(batch.jobs[0].job.length, 4u);  // "abc" + inner content type
  EXPECT_EQ(batch.jobs[1].job.length, 6u);
  EXPECT_TRUE(client_->output().empty()) << "unsealed records must not be offered for writing";
  EXPECT_EQ(client_->prepare_seal(batch), 0u);  // one outstanding seal per connection
  batch.run(*engine_);
  client_->complete_seal(batch);
  server_->complete_seal(batch);
  batch.wipe();
  std::string at_server, at_client;
  server_->feed(client_->take_output());
  client_->feed(server_->take_output());
  server_->process(at_server);
  client_->process(at_client);
  EXPECT_EQ(at_server, "abc");
  EXPECT_EQ(at_client, "defgh");
}

TEST(KeySlotPool, HandsOutEverySlotOnceAndWipesReturnedOnes) {
  auto engine = std::make_unique<offload::CpuGcmEngine>(2);
  KeySlotPool pool(*engine);
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->index(), b->index());
  EXPECT_FALSE(pool.acquire());
  const std::uint8_t key[16] = {1};
  ASSERT_TRUE(engine->set_key(a->index(), key));
  const std::uint32_t slot = a->index();
  a->reset();
  EXPECT_EQ(pool.available(), 1u);
  // A job on the returned slot finds it empty.
  offload::GcmJob job{};
  job.key_slot = slot;
  offload::GcmResult result{};
  std::vector<std::uint8_t> bytes;
  engine->run(bytes, {&job, 1}, {&result, 1});
  EXPECT_EQ(result.status, static_cast<std::uint8_t>(offload::GcmStatus::kBadKeySlot));
}

}  // namespace
}  // namespace sipnic::tls
