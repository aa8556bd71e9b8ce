// bench/tls_conns: resident memory of ONE sipnic node holding many idle
// mutual-TLS trunk connections (default 10,000), on loopback.
//
// The driver (this program):
//  1. raises RLIMIT_NOFILE to its hard limit (the node, spawned by it,
//     inherits it: the node needs one fd per connection);
//  2. makes a throwaway PKI with `sipnic certs init` and writes a config: one
//     TLS listener, [tls] from that PKI (CRL included), handshake-rate 0 (the
//     per-IP limit would otherwise take minutes for 10k connections from
//     127.0.0.1), an idle timeout far above the run, and a TLS trunk `pbx`
//     whose tls-identity is the client certificates' name;
//  3. spawns `sipnic run -c CONFIG --workers W` and waits for the listener;
//  4. opens connections with OpenSSL, non-blocking, a window of handshakes in
//     flight, each presenting the pbx client certificate and verifying the
//     node; once a client handshake is done its SSL is freed (no
//     close_notify is sent; the socket stays open and idle) so that the
//     driver's own memory stays small;
//  5. reads VmRSS of the node from /proc/PID/status: before any connection,
//     after the first kWarm connections (one-time start-up allocations of
//     the first handshakes are then behind us) and after all of them (once
//     RSS has settled and the node's fd count shows every connection);
//  6. kills the node and removes everything.
//
// KiB per connection = (RSS after all - RSS after warm-up) / (N - warm-up).
// Kamailio's figure in the table is the one its documentation publishes
// (about 61 KB of OpenSSL memory per TLS connection), NOT measured here.
// Everything else is a measurement of this machine.
//
// Environment: TLS_CONNS_N (10000), TLS_CONNS_WORKERS (1), TLS_CONNS_WINDOW
// (64 handshakes in flight), TLS_CONNS_TIMEOUT_S (180, the whole run),
// TLS_CONNS_NODE_PREFIX (a command put in front of the node, e.g.
// "heaptrack -o /tmp/node" to see where the memory goes; RSS figures are then
// those of the prefix process), TLS_CONNS_KEEP=1 (keep the work directory).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/ossl_ptr.h"
#include "core/unique_fd.h"

#ifndef SIPNIC_BINARY
#define SIPNIC_BINARY "sipnic"
#endif

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr double kKamailioKibPerConn = 61.0;  // published, not measured here
constexpr std::size_t kWarm = 100;

pid_t g_node = -1;  // for the alarm handler

pid_t g_wrapped = -1;  // the node itself when a prefix wraps it

void kill_node() {
  if (g_wrapped > 0) {
    ::kill(g_wrapped, SIGTERM);  // lets a wrapper such as heaptrack write its data
    g_wrapped = -1;
  }
  if (g_node <= 0) return;
  ::kill(g_node, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(g_node, nullptr, WNOHANG) == g_node) {
      g_node = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(g_node, SIGKILL);
  ::waitpid(g_node, nullptr, 0);
  g_node = -1;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tls_conns: %s\n", what.c_str());
  kill_node();
  std::exit(1);
}

void on_alarm(int) {
  // Bounded in time whatever happens: the node must not outlive the bench.
  if (g_wrapped > 0) ::kill(g_wrapped, SIGKILL);
  if (g_node > 0) ::kill(g_node, SIGKILL);
  static const char msg[] = "tls_conns: time limit reached, node killed\n";
  (void)!::write(2, msg, sizeof msg - 1);
  ::_exit(1);
}

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atol(v) : fallback;
}

// The work directory, removed at the end unless TLS_CONNS_KEEP=1.
struct WorkDir {
  fs::path path;
  bool keep = env_long("TLS_CONNS_KEEP", 0) != 0;
  WorkDir() {
    char tmpl[] = "/tmp/sipnic-bench-conns-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) die("mkdtemp failed");
    path = tmpl;
  }
  ~WorkDir() {
    if (keep) {
      std::fprintf(stderr, "tls_conns: kept %s\n", path.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int run_and_wait(const std::vector<std::string>& argv, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A free loopback TCP port (bound and released; the node binds it next).
int free_port() {
  const sipnic::core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    die("cannot find a free port");
  }
  return ntohs(a.sin_port);
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

struct Status {
  long rss_kib = 0, anon_kib = 0, file_kib = 0;
};

Status node_status(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  Status s;
  for (std::string line; std::getline(in, line);) {
    auto value = [&](const char* key, long& out) {
      if (line.rfind(key, 0) == 0) out = std::atol(line.c_str() + std::strlen(key));
    };
    value("VmRSS:", s.rss_kib);
    value("RssAnon:", s.anon_kib);
    value("RssFile:", s.file_kib);
  }
  if (s.rss_kib == 0) die("cannot read /proc/" + std::to_string(pid) + "/status (node gone?)");
  return s;
}

// The process running `sipnic run -c CONFIG` (under a wrapper).
pid_t find_node(const fs::path& config, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    std::error_code ec;
    for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(it->path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string first = cmdline.substr(0, cmdline.find('\0'));
      if (fs::path(first).filename() == "sipnic" && cmdline.find(config.string()) != std::string::npos) {
        g_wrapped = static_cast<pid_t>(std::stol(name));
        return g_wrapped;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  die("cannot find the node process under the prefix");
}

std::size_t fd_count(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// Waits until the node's RSS has not changed for `quiet` (the node finished
// the last handshakes and freed their OpenSSL objects), or `limit` passed.
Status settle(pid_t pid, std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  Status last = node_status(pid);
  auto stable_since = Clock::now();
  while (Clock::now() - start < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const Status now = node_status(pid);
    if (now.rss_kib != last.rss_kib) stable_since = Clock::now();
    last = now;
    if (Clock::now() - stable_since >= quiet) break;
  }
  return last;
}

// Opens connections up to `target` in total (appending their fds to `held`).
// Returns the number of failed handshakes.
std::size_t open_connections(SSL_CTX* ctx, int port, std::size_t target, std::size_t window,
                             std::vector<sipnic::core::UniqueFd>& held) {
  struct Pending {
    sipnic::core::UniqueFd fd;
    sipnic::core::SslPtr ssl;
  };
  const sipnic::core::UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) die("epoll_create1 failed");
  std::vector<Pending> slots(window);
  std::vector<std::size_t> free_slots;
  for (std::size_t i = window; i > 0; --i) free_slots.push_back(i - 1);
  std::size_t in_flight = 0, failed = 0, started = held.size();
  const sockaddr_in addr = loopback(port);

  auto finish = [&](std::size_t i, bool ok) {
    Pending& p = slots[i];
    ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, p.fd.get(), nullptr);
    p.ssl.reset();  // no SSL_shutdown: nothing is sent, the socket stays open
    if (ok) {
      held.push_back(std::move(p.fd));
    } else {
      p.fd.reset();
      ++failed;
    }
    free_slots.push_back(i);
    --in_flight;
  };
  auto step = [&](std::size_t i) {
    Pending& p = slots[i];
    ERR_clear_error();
    const int rc = SSL_do_handshake(p.ssl.get());
    if (rc == 1) {
      finish(i, true);
      return;
    }
    const int err = SSL_get_error(p.ssl.get(), rc);
    epoll_event ev{};
    ev.data.u64 = i;
    if (err == SSL_ERROR_WANT_READ) {
      ev.events = EPOLLIN;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      ev.events = EPOLLOUT;
    } else {
      if (failed < 5) {
        char buf[256] = "";
        ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
        std::fprintf(stderr, "tls_conns: handshake failed (SSL error %d, errno %d): %s\n", err, errno, buf);
      }
      finish(i, false);
      return;
    }
    ::epoll_ctl(ep.get(), EPOLL_CTL_MOD, p.fd.get(), &ev);
  };

  while (held.size() < target && failed <= target / 100) {
    while (in_flight < window && started < target && !free_slots.empty()) {
      const std::size_t i = free_slots.back();
      free_slots.pop_back();
      Pending& p = slots[i];
      p.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (!p.fd) die(std::string("socket: ") + std::strerror(errno) + " (fd limit?)");
      if (::connect(p.fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        die(std::string("connect: ") + std::strerror(errno));
      }
      p.ssl.reset(SSL_new(ctx));
      if (!p.ssl || SSL_set_fd(p.ssl.get(), p.fd.get()) != 1) die("SSL_new/SSL_set_fd failed");
      SSL_set_connect_state(p.ssl.get());
      epoll_event ev{};
      ev.events = EPOLLOUT;  // connected
      ev.data.u64 = i;
      ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, p.fd.get(), &ev);
      ++in_flight;
      ++started;
    }
    if (in_flight == 0) {
      if (started >= target) break;
      continue;
    }
    epoll_event events[256];
    const int n = ::epoll_wait(ep.get(), events, 256, 1000);
    for (int k = 0; k < n; ++k) {
      const std::size_t i = events[k].data.u64;
      if (slots[i].fd) step(i);
    }
    if (n == 0) {
      // Nothing moved for a second: a handshake the node dropped
      // (handshake-timeout) would end with an error, not silence; retry.
      for (std::size_t i = 0; i < slots.size(); ++i)
        if (slots[i].fd) step(i);
    }
    started = std::max(started, held.size() + in_flight);
  }
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (slots[i].fd) finish(i, false);
  return failed;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = static_cast<std::size_t>(std::max(kWarm + 1, static_cast<std::size_t>(env_long("TLS_CONNS_N", 10000))));
  const long workers = env_long("TLS_CONNS_WORKERS", 1);
  const std::size_t window = static_cast<std::size_t>(std::max(1L, env_long("TLS_CONNS_WINDOW", 64)));
  const long timeout_s = env_long("TLS_CONNS_TIMEOUT_S", 180);
  const std::string sipnic = argc > 1 ? argv[1] : SIPNIC_BINARY;

  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGALRM, on_alarm);
  ::alarm(static_cast<unsigned>(timeout_s));

  // fds: the node needs N + its own; the driver N + a few. Both get the
  // hard limit (the node inherits it from here).
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) die("setrlimit(RLIMIT_NOFILE) failed");
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < n + 64) {
    die("RLIMIT_NOFILE hard limit " + std::to_string(lim.rlim_cur) + " is below " + std::to_string(n + 64) +
        " (raise `ulimit -Hn` or lower TLS_CONNS_N)");
  }

  WorkDir work;
  const fs::path pki = work.path / "pki";
  const fs::path log = work.path / "node.log";
  {
    const pid_t pid = run_and_wait({sipnic, "certs", "init", pki.string()}, log);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("`sipnic certs init` failed; see " + log.string());
  }
  const int port = free_port();
  const fs::path config = work.path / "node.conf";
  {
    std::ofstream c(config);
    c << "# tls_conns bench: one TLS listener, one TLS trunk (its certificates from sipnic certs init)\n"
         "[node]\nlog-level = warn\n\n"
         "[listen]\ntls = 127.0.0.1:" << port << "\n\n"
         "[tls]\ncertificate = pki/node.crt\nprivate-key = pki/node.key\nca = pki/ca.crt\ncrl = pki/ca.crl\n"
         "handshake-rate = 0\n\n"
         "[timers]\ntcp-idle-timeout = 86400000\n\n"
         "[trunk pbx]\ntransport = tls\npeer = 127.0.0.2:5061\ntls-identity = pbx.sipnic.test\n";
    if (!c) die("cannot write " + config.string());
  }

  const char* prefix = std::getenv("TLS_CONNS_NODE_PREFIX");
  std::vector<std::string> cmd = split_words(prefix != nullptr ? prefix : "");
  for (const std::string& a : {sipnic, std::string("run"), std::string("-c"), config.string(), std::string("--workers"),
                               std::to_string(workers)}) {
    cmd.push_back(a);
  }
  g_node = run_and_wait(cmd, log);
  // With a prefix (heaptrack, valgrind) the spawned process is the wrapper;
  // RSS and fds are read from the node itself, found by its config path.
  pid_t node = g_node;
  if (prefix != nullptr && *prefix != '\0') node = find_node(config, std::chrono::seconds(20));

  // Wait for the listener.
  {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    const sockaddr_in addr = loopback(port);
    for (;;) {
      const sipnic::core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      const bool up = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
      if (up) break;
      if (::waitpid(g_node, nullptr, WNOHANG) == g_node) {
        g_node = -1;
        die("the node exited at start-up; see " + log.string() + (work.keep ? "" : " (TLS_CONNS_KEEP=1 keeps it)"));
      }
      if (Clock::now() > deadline) die("the node did not listen within 20 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  sipnic::core::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), (pki / "pbx.crt").c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), (pki / "pbx.key").c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx.get(), (pki / "ca.crt").c_str(), nullptr) != 1) {
    die("client SSL_CTX set-up failed");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);

  const Status before = settle(node, std::chrono::milliseconds(500), std::chrono::seconds(3));
  std::vector<sipnic::core::UniqueFd> held;
  held.reserve(n);
  const auto t0 = Clock::now();
  std::size_t failed = open_connections(ctx.get(), port, kWarm, window, held);
  const Status warm = settle(node, std::chrono::milliseconds(500), std::chrono::seconds(5));
  failed += open_connections(ctx.get(), port, n, window, held);
  const double open_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (held.size() < n) die("only " + std::to_string(held.size()) + " of " + std::to_string(n) + " connections came up (" +
                           std::to_string(failed) + " failed handshakes)");
  // The node finishes its side of the last handshakes after the clients.
  const auto fd_deadline = Clock::now() + std::chrono::seconds(20);
  std::size_t node_fds = fd_count(node);
  while (node_fds < n && Clock::now() < fd_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    node_fds = fd_count(node);
  }
  const Status after = settle(node, std::chrono::milliseconds(1500), std::chrono::seconds(15));
  node_fds = fd_count(node);
  if (node_fds < n) die("the node holds " + std::to_string(node_fds) + " fds, fewer than the " + std::to_string(n) + " connections");
  // Still there after the settle (nothing closed the idle connections)?
  std::size_t closed = 0;
  for (const auto& fd : held) {
    char b;
    const ssize_t r = ::recv(fd.get(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) ++closed;
  }

  const double per_conn = static_cast<double>(after.rss_kib - warm.rss_kib) / static_cast<double>(n - kWarm);
  const double per_conn_all = static_cast<double>(after.rss_kib - before.rss_kib) / static_cast<double>(n);
  const double anon_per_conn = static_cast<double>(after.anon_kib - warm.anon_kib) / static_cast<double>(n - kWarm);

  kill_node();
  held.clear();  // the client ends close only after the node is gone

  std::printf("%zu idle mutual-TLS (TLS 1.3, ECDSA P-256) trunk connections held by one sipnic node (--workers %ld), "
              "opened in %.1f s (%.0f handshakes/s, %zu in flight, %zu failed, %zu closed by the node while idle); "
              "node fds %zu\n",
              n, workers, open_s, static_cast<double>(n) / open_s, window, failed, closed, node_fds);
  std::printf("node VmRSS: %ld KiB idle, %ld KiB after %zu connections, %ld KiB after %zu (RssAnon %ld -> %ld KiB)\n",
              before.rss_kib, warm.rss_kib, kWarm, after.rss_kib, n, warm.anon_kib, after.anon_kib);
  std::printf("%-52s %16s\n", "", "KiB/connection");
  std::printf("%-52s %16.1f\n", "sipnic (measured, RSS after warm-up -> all)", per_conn);
  std::printf("%-52s %16.1f\n", "sipnic (measured, RSS idle node -> all)", per_conn_all);
  std::printf("%-52s %16.1f\n", "sipnic (measured, RssAnon only)", anon_per_conn);
  std::printf("%-52s %16.1f\n", "Kamailio (published OpenSSL figure; NOT measured)", kKamailioKibPerConn);
  std::printf("Resident memory of the node process on this machine; kernel socket buffers are not in it.\n");
  std::printf("BENCH tls_conns.kib_per_conn %.1f KiB\n", per_conn);
  std::fflush(stdout);
  return closed == 0 ? 0 : 1;
}
