#include "core/metrics_http.h"

#include <sys/socket.h>

#include <httplib.h>

#include <chrono>
#include <stdexcept>

namespace sipnic::core {

MetricsHttpServer::MetricsHttpServer(const MetricsRegistry& registry, const SocketAddress& address, Log& log)
    : server_(std::make_unique<httplib::Server>()) {
  httplib::Server& s = *server_;
  // One request thread is plenty for a scraper or two, and bounds what a
  // flood of connections can cost the node.
  s.new_task_queue = [] { return new httplib::ThreadPool(1); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a
  // second node share the port silently instead of failing to bind.
  s.set_socket_options([](int fd) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_max_count(10);
  s.set_payload_max_length(4096);  // GET has no body; anything bigger is refused
  s.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(to_prometheus_text(registry.snapshot()), kPrometheusContentType);
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) res.set_content("only GET /metrics is served here\n", "text/plain");
  });
  const std::string host = address.ip();
  if (address.port() == 0) {
    const int port = s.bind_to_any_port(host);
    if (port <= 0) throw std::runtime_error("metrics: cannot bind " + address.to_string());
    port_ = static_cast<std::uint16_t>(port);
  } else {
    if (!s.bind_to_port(host, address.port()))
      throw std::runtime_error("metrics: cannot bind " + address.to_string() +
                               " (in use, or not an address of this host)");
    port_ = address.port();
  }
  SocketAddress bound = address;
  bound.set_port(port_);
  log.info("metrics", "serving Prometheus metrics on http://" + bound.to_string() + "/metrics");
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    finished_.store(true);
  });
}

MetricsHttpServer::~MetricsHttpServer() {
  // httplib's stop() does nothing before the listening thread has started
  // its loop, so it is repeated until that thread is out.
  while (!finished_.load()) {
    server_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  thread_.join();
}

}  // namespace sipnic::core
