// Interop harness for TLS: throwaway PKIs from `sipnic certs init`, stock
// OpenSSL peers (`openssl s_client` / `s_server` as child processes with a
// stdin pipe, stunnel), and TlsPeer, a libssl client of the test's own that
// runs its SSL over memory BIOs so that a test controls every byte on the
// wire (1-byte segments, a flipped bit in a record, a CRLF ping).
//
//   TempDir dir("tls-x");
//   Pki pki = make_pki(dir, "pki");                  // ca.crt, node.crt, pbx.crt, ...
//   TlsPeer peer({.cert = pki.file("pbx.crt"), .key = pki.file("pbx.key"), .ca = pki.file("ca.crt")});
//   ASSERT_EQ(peer.connect("127.0.50.1", port), "");
//   ASSERT_EQ(peer.handshake(5s), "");
//   ASSERT_TRUE(peer.send(options_request("1")));
//   EXPECT_TRUE(peer.read_until("SIP/2.0 200 OK", 5s));
//
// Every process is RAII (support/process.h, PipedChild below); every wait has
// a limit. Nothing here asserts timing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interop/support/sipp_harness.h"
#include "core/ossl_ptr.h"
#include "core/unique_fd.h"
#include "support/process.h"

namespace sipnic::test {

// ---- PKI ----------------------------------------------------------------------------

struct PkiOptions {
  std::string key_type = "ecdsa";        // or "rsa"
  std::string node_name;                 // "" = certs init's default, node.sipnic.test
  std::vector<std::string> peers;        // "" = certs init's default, pbx and carrier
  std::vector<std::string> ips;          // --ip: addresses in the node certificate
};

// A directory written by `sipnic certs init`.
struct Pki {
  std::string dir;
  std::string file(std::string_view name) const { return dir + "/" + std::string(name); }
};

// Runs `sipnic certs init DIR/sub`; throws with its output if it fails.
Pki make_pki(const TempDir& dir, const std::string& sub, const PkiOptions& options = {});

// SHA-256 fingerprint (lowercase hex) of the first certificate of a PEM file;
// "" if it does not read.
std::string cert_file_fingerprint(const std::string& pem_path);

// ---- processes ------------------------------------------------------------------------

// A child process with a pipe to its stdin; stdout and stderr go to one file.
// RAII: the destructor closes the pipe, then stops and reaps the child.
class PipedChild {
 public:
  PipedChild(std::vector<std::string> argv, std::string output_path);
  ~PipedChild();
  PipedChild(const PipedChild&) = delete;
  PipedChild& operator=(const PipedChild&) = delete;

  bool write(std::string_view bytes);  // false once the pipe is closed or broken
  void close_stdin();
  std::string output() const;
  // Waits until the output holds `text` at least `count` times; false at the limit.
  bool wait_for_output(std::string_view text, std::chrono::milliseconds limit, std::size_t count = 1);
  // Waits for the child to exit on its own; its wait status, or nullopt at the limit.
  std::optional<int> wait_exit(std::chrono::milliseconds limit);
  bool running();
  // SIGTERM, a grace of 2 s, then SIGKILL; always reaps. Its wait status.
  std::optional<int> kill();

 private:
  std::string output_path_;
  core::UniqueFd stdin_fd_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

std::size_t count_of(std::string_view haystack, std::string_view needle);

// True once a TCP socket listens on ip:port (read from /proc/net/tcp, so that
// checking does not open a connection the listener would have to handle).
bool wait_listening(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit);

// stunnel from a config's service part; the harness adds the global options
// (foreground, no pid file, log file DIR/<name>.log at level info).
class Stunnel {
 public:
  Stunnel(const TempDir& dir, const std::string& name, const std::string& services);
  // Waits for the accept address of the config to listen.
  bool wait_ready(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit = std::chrono::seconds(10));
  std::string log() const { return read_text_file(log_path_); }
  void stop() { process_.kill(); }

 private:
  std::string log_path_;
  ChildProcess process_;
};

std::string stunnel_binary();
std::string openssl_binary();

// ---- SIP bytes --------------------------------------------------------------------------

// An OPTIONS to the node, as a peer on a stream transport sends it. `body`
// (optional) goes in with Content-Type text/plain.
std::string options_request(const std::string& id, const std::string& body = {});
// An OPTIONS padded with a body so that the whole message is exactly `size` bytes.
std::string options_request_of_size(const std::string& id, std::size_t size);

// ---- TlsPeer -----------------------------------------------------------------------------

struct TlsPeerOptions {
  std::string cert, key;   // empty: no client certificate
  std::string ca;          // verify the server against it (empty: no verification)
  std::string verify_name; // the name the server's certificate must carry ("" = none)
  int min_version = 0, max_version = 0;  // TLS1_2_VERSION, TLS1_3_VERSION; 0 = library default
  std::string cipher_list;   // TLS 1.2 suites (OpenSSL names)
  std::string ciphersuites;  // TLS 1.3 suites
  // Bytes go out one per send() with TCP_NODELAY and this gap (0 = whole writes).
  std::chrono::microseconds byte_gap{0};
  bool one_byte_segments = false;
};

class TlsPeer {
 public:
  explicit TlsPeer(TlsPeerOptions options);
  ~TlsPeer();
  TlsPeer(const TlsPeer&) = delete;
  TlsPeer& operator=(const TlsPeer&) = delete;

  // TCP connect (from `source_ip` if given); "" or why not.
  std::string connect(const std::string& ip, std::uint16_t port, const std::string& source_ip = {});
  // Runs the handshake; "" once established (for a TLS 1.3 client that is
  // after its Finished: a server that then refuses the certificate says so
  // with an alert on the next read).
  std::string handshake(std::chrono::milliseconds limit);

  // Encrypts `plain` into records, returned unsent (to be tampered with).
  std::string seal(std::string_view plain);
  bool send_raw(std::string_view bytes);
  bool send(std::string_view plain) { return send_raw(seal(plain)); }

  // Sends close_notify (SSL_shutdown); false if it could not be written.
  bool shutdown();

  // Reads and decrypts until the plaintext received holds `needle` (counted
  // from the start of the connection, `count` times); false on close, error or limit.
  bool read_until(std::string_view needle, std::chrono::milliseconds limit, std::size_t count = 1);
  // Reads until the peer closes the TCP connection; true if it did within the limit.
  bool wait_closed(std::chrono::milliseconds limit);
  // Reads whatever arrives within `limit` (plaintext appended), without waiting for anything.
  void drain(std::chrono::milliseconds limit);

  const std::string& plaintext() const { return plain_; }
  bool closed() const { return closed_; }             // TCP EOF or reset seen
  bool close_notify() const { return close_notify_; }  // the peer's close_notify read
  const std::string& error() const { return error_; }  // OpenSSL's error, if any
  // Alerts received (TLS alert descriptions, e.g. 20 bad_record_mac, 0 close_notify).
  const std::vector<int>& alerts_received() const { return alerts_; }
  const std::string& raw_received() const { return raw_in_; }  // every byte read from the socket
  std::string version() const;
  std::string cipher() const;
  std::string peer_fingerprint() const;  // SHA-256 of the server's certificate, lowercase hex
  // Key log lines of this side ("CLIENT_TRAFFIC_SECRET_0 <random> <secret>", ...).
  const std::vector<std::string>& keylog() const { return keylog_; }
  int fd() const { return fd_.get(); }

 private:
  bool flush_out();
  bool read_some(std::chrono::milliseconds limit);  // socket -> rbio; false on close/limit
  void pump_ssl();                                  // SSL_read what the rbio holds

  TlsPeerOptions options_;
  core::SslCtxPtr ctx_;
  core::SslPtr ssl_;  // owns rbio_ and wbio_
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  core::UniqueFd fd_;
  bool closed_ = false, close_notify_ = false, failed_ = false;
  std::string plain_, error_, raw_in_;
  std::vector<int> alerts_;
  std::vector<std::string> keylog_;
};

}  // namespace sipnic::test
