#include "interop/support/tls_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/eventually.h"

namespace sipnic::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A write to a peer that has gone must fail with EPIPE, not kill the test.
const bool kSigpipeIgnored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::chrono::milliseconds left(Clock::time_point deadline) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return d.count() > 0 ? d : 0ms;
}

std::string hex(const unsigned char* p, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace

// ---- PKI ----------------------------------------------------------------------------

Pki make_pki(const TempDir& dir, const std::string& sub, const PkiOptions& options) {
  Pki pki{dir.file(sub)};
  std::vector<std::string> argv = {sipnic_binary(), "certs", "init", pki.dir, "--key-type", options.key_type};
  if (!options.node_name.empty()) argv.insert(argv.end(), {"--node-name", options.node_name});
  for (const auto& p : options.peers) argv.insert(argv.end(), {"--peer", p});
  for (const auto& ip : options.ips) argv.insert(argv.end(), {"--ip", ip});
  std::string out = dir.file(sub + "-certs-init.out");
  ChildProcess p(argv, {.stdout_path = out, .stderr_path = out + ".err"});
  auto status = p.wait_for(60s);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error("sipnic certs init " + pki.dir + " failed: " + read_text_file(out) +
                             read_text_file(out + ".err"));
  return pki;
}

std::string cert_file_fingerprint(const std::string& pem_path) {
  std::FILE* f = std::fopen(pem_path.c_str(), "r");
  if (!f) return {};
  const core::X509Ptr x(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!x) {
    ERR_clear_error();
    return {};
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  X509_digest(x.get(), EVP_sha256(), md, &n);
  return hex(md, n);
}

// ---- processes ------------------------------------------------------------------------

PipedChild::PipedChild(std::vector<std::string> argv, std::string output_path)
    : output_path_(std::move(output_path)) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const core::UniqueFd child_stdin(fds[0]);  // the child's copy; ours closes on leaving
  core::UniqueFd stdin_writer(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  stdin_fd_ = std::move(stdin_writer);
  pid_ = pid;
}

PipedChild::~PipedChild() {
  close_stdin();
  kill();
}

bool PipedChild::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

std::optional<int> PipedChild::wait_exit(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
  return status_;
}

std::optional<int> PipedChild::kill() {
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(2s)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
    pid_ = -1;
  }
  return status_;
}

bool PipedChild::write(std::string_view bytes) {
  while (!bytes.empty() && stdin_fd_) {
    ssize_t n = ::write(stdin_fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return bytes.empty();
}

void PipedChild::close_stdin() {
  stdin_fd_.reset();
}

std::string PipedChild::output() const { return read_text_file(output_path_); }

bool PipedChild::wait_for_output(std::string_view text, std::chrono::milliseconds limit, std::size_t count) {
  return eventually([&] { return count_of(output(), text) >= count; }, limit, 10ms);
}

std::size_t count_of(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return 0;
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string_view::npos; p = haystack.find(needle, p + needle.size()))
    ++n;
  return n;
}

bool wait_listening(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit) {
  in_addr a{};
  if (::inet_pton(AF_INET, ip.c_str(), &a) != 1) return false;
  char want[32];
  std::snprintf(want, sizeof want, "%08X:%04X", a.s_addr, port);
  auto deadline = Clock::now() + limit;
  for (;;) {
    std::istringstream in(read_text_file("/proc/net/tcp"));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st;
      f >> sl >> local >> remote >> st;
      if (local == want && st == "0A") return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::string stunnel_binary() {
  const char* env = std::getenv("SIPNIC_STUNNEL");
  return env && *env ? env : "/usr/bin/stunnel";
}

std::string openssl_binary() {
  const char* env = std::getenv("SIPNIC_OPENSSL");
  return env && *env ? env : "/usr/bin/openssl";
}

Stunnel::Stunnel(const TempDir& dir, const std::string& name, const std::string& services) {
  log_path_ = dir.file(name + ".log");
  std::string conf = dir.file(name + ".conf");
  write_text_file(conf, "foreground = yes\npid =\ndebug = info\noutput = " + log_path_ + "\n" + services);
  process_ = ChildProcess({stunnel_binary(), conf},
                          {.stdout_path = dir.file(name + ".out"), .stderr_path = dir.file(name + ".err")});
}

bool Stunnel::wait_ready(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit) {
  return wait_listening(ip, port, limit);
}

// ---- SIP bytes --------------------------------------------------------------------------

namespace {
std::string options_head(const std::string& id, std::size_t body_len, bool typed) {
  std::string m = "OPTIONS sip:node.sipnic.test SIP/2.0\r\n";
  m += "Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-tls-" + id + "\r\n";
  m += "From: <sip:peer@pbx.sipnic.test>;tag=t" + id + "\r\n";
  m += "To: <sip:node.sipnic.test>\r\n";
  m += "Call-ID: " + id + "@tls-interop\r\n";
  m += "CSeq: 1 OPTIONS\r\n";
  m += "Max-Forwards: 70\r\n";
  if (typed) m += "Content-Type: text/plain\r\n";
  m += "Content-Length: " + std::to_string(body_len) + "\r\n\r\n";
  return m;
}
}  // namespace

std::string options_request(const std::string& id, const std::string& body) {
  return options_head(id, body.size(), !body.empty()) + body;
}

std::string options_request_of_size(const std::string& id, std::size_t size) {
  std::size_t body = size - options_head(id, 0, true).size();
  // The Content-Length digits grow with the body: settle the length.
  for (int i = 0; i < 3; ++i) body = size - options_head(id, body, true).size();
  std::string text;
  text.reserve(body);
  const std::string line = "sipnic tls interop: a body to fill one TLS record to its 2^14 bytes.\r\n";
  while (text.size() < body) text += line;
  text.resize(body);
  std::string m = options_head(id, body, true) + text;
  if (m.size() != size) throw std::runtime_error("options_request_of_size: got " + std::to_string(m.size()));
  return m;
}

// ---- TlsPeer -----------------------------------------------------------------------------

TlsPeer::TlsPeer(TlsPeerOptions options) : options_(std::move(options)) {
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) throw std::runtime_error("SSL_CTX_new failed");
  if (options_.min_version) SSL_CTX_set_min_proto_version(ctx_.get(), options_.min_version);
  if (options_.max_version) SSL_CTX_set_max_proto_version(ctx_.get(), options_.max_version);
  if (!options_.cipher_list.empty() && SSL_CTX_set_cipher_list(ctx_.get(), options_.cipher_list.c_str()) != 1)
    throw std::runtime_error("cipher list " + options_.cipher_list + ": " + openssl_errors());
  if (!options_.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx_.get(), options_.ciphersuites.c_str()) != 1)
    throw std::runtime_error("ciphersuites " + options_.ciphersuites + ": " + openssl_errors());
  if (!options_.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_.get(), options_.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_.get(), options_.key.c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("cannot load " + options_.cert + ": " + openssl_errors());
  }
  if (!options_.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx_.get(), options_.ca.c_str(), nullptr) != 1)
      throw std::runtime_error("cannot load " + options_.ca + ": " + openssl_errors());
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
  }
  SSL_CTX_set_keylog_callback(ctx_.get(), [](const SSL* s, const char* line) {
    static_cast<TlsPeer*>(SSL_get_app_data(s))->keylog_.emplace_back(line);
  });
  ssl_.reset(SSL_new(ctx_.get()));
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_.get(), rbio_, wbio_);
  SSL_set_app_data(ssl_.get(), this);
  SSL_set_connect_state(ssl_.get());
  if (!options_.verify_name.empty()) {
    SSL_set1_host(ssl_.get(), options_.verify_name.c_str());
    SSL_set_tlsext_host_name(ssl_.get(), options_.verify_name.c_str());
  }
  SSL_set_info_callback(ssl_.get(), [](const SSL* s, int where, int ret) {
    if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT) static_cast<TlsPeer*>(SSL_get_app_data(s))->alerts_.push_back(ret & 0xff);
  });
}

TlsPeer::~TlsPeer() = default;

std::string TlsPeer::connect(const std::string& ip, std::uint16_t port, const std::string& source_ip) {
  fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd_) return std::string("socket: ") + std::strerror(errno);
  if (!source_ip.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_ip.c_str(), &src.sin_addr);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
      return "bind " + source_ip + ": " + std::strerror(errno);
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &dst.sin_addr);
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0)
    return "connect " + ip + ":" + std::to_string(port) + ": " + std::strerror(errno);
  int one = 1;
  ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return {};
}

bool TlsPeer::send_raw(std::string_view bytes) {
  if (!fd_) return false;
  if (options_.one_byte_segments) {
    for (char b : bytes) {
      if (::send(fd_.get(), &b, 1, MSG_NOSIGNAL) != 1) return false;
      if (options_.byte_gap.count() > 0) std::this_thread::sleep_for(options_.byte_gap);
    }
    return true;
  }
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool TlsPeer::flush_out() {
  std::string out;
  char buf[16384];
  int n;
  while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out.empty() || send_raw(out);
}

bool TlsPeer::read_some(std::chrono::milliseconds limit) {
  if (closed_ || !fd_) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(limit.count()));
  if (r <= 0) return false;
  char buf[65536];
  ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) {
    raw_in_.append(buf, static_cast<std::size_t>(n));
    BIO_write(rbio_, buf, static_cast<int>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  closed_ = true;
  return false;
}

void TlsPeer::pump_ssl() {
  if (!SSL_is_init_finished(ssl_.get()) || failed_) return;
  char buf[16384];
  for (;;) {
    int n = SSL_read(ssl_.get(), buf, sizeof buf);
    if (n > 0) {
      plain_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    int e = SSL_get_error(ssl_.get(), n);
    if (e == SSL_ERROR_ZERO_RETURN) close_notify_ = true;
    else if (e != SSL_ERROR_WANT_READ) {
      failed_ = true;
      std::string why = openssl_errors();
      error_ = why.empty() ? "SSL_read error " + std::to_string(e) : why;
    }
    break;
  }
  flush_out();  // a KeyUpdate answer, a close_notify reply
}

std::string TlsPeer::handshake(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    int r = SSL_do_handshake(ssl_.get());
    if (!flush_out()) return "send failed during the handshake";
    if (r == 1) return {};
    int e = SSL_get_error(ssl_.get(), r);
    if (e != SSL_ERROR_WANT_READ) {
      failed_ = true;
      error_ = openssl_errors();
      return "handshake failed: " + (error_.empty() ? "SSL error " + std::to_string(e) : error_);
    }
    if (!read_some(left(deadline)))
      return closed_ ? "the server closed the connection during the handshake" : "handshake timed out";
  }
}

std::string TlsPeer::seal(std::string_view plain) {
  flush_out();
  if (!plain.empty() && SSL_write(ssl_.get(), plain.data(), static_cast<int>(plain.size())) <= 0) {
    error_ = openssl_errors();
    return {};
  }
  std::string out;
  char buf[16384];
  int n;
  while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

bool TlsPeer::shutdown() {
  SSL_shutdown(ssl_.get());
  return flush_out();
}

bool TlsPeer::read_until(std::string_view needle, std::chrono::milliseconds limit, std::size_t count) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    pump_ssl();
    if (count_of(plain_, needle) >= count) return true;
    if (failed_ || close_notify_) return false;
    if (!read_some(left(deadline))) {
      pump_ssl();
      return count_of(plain_, needle) >= count;
    }
  }
}

bool TlsPeer::wait_closed(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!closed_) {
    if (!read_some(left(deadline)) && !closed_) break;
    pump_ssl();
  }
  pump_ssl();
  return closed_;
}

void TlsPeer::drain(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!closed_ && left(deadline).count() > 0) {
    read_some(left(deadline));
    pump_ssl();
  }
}

std::string TlsPeer::version() const { return SSL_get_version(ssl_.get()); }
std::string TlsPeer::cipher() const { return SSL_get_cipher_name(ssl_.get()); }

std::string TlsPeer::peer_fingerprint() const {
  X509* x = SSL_get0_peer_certificate(ssl_.get());
  if (!x) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  X509_digest(x, EVP_sha256(), md, &n);
  return hex(md, n);
}

}  // namespace sipnic::test
