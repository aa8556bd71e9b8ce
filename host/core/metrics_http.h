// MetricsHttpServer: the registry in Prometheus text format over HTTP
// (`[node] metrics = HOST:PORT`), served by cpp-httplib on its own threads,
// never on a worker's. GET /metrics only; every other path is 404.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "core/log.h"
#include "core/metrics.h"
#include "core/socket_address.h"

namespace httplib {
class Server;
}

namespace sipnic::core {

// The Content-Type of the text exposition format this server speaks.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

class MetricsHttpServer {
 public:
  // Binds `address` (port 0: any free port, see port()) and starts serving.
  // Throws std::runtime_error naming the address if it cannot be bound (in
  // use, not an address of this host). `registry` must outlive the server.
  MetricsHttpServer(const MetricsRegistry& registry, const SocketAddress& address, Log& log);
  // Stops serving, joins the threads and closes the socket.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::uint16_t port_ = 0;
  std::atomic<bool> finished_{false};  // the serving thread has returned
  std::thread thread_;
};

}  // namespace sipnic::core
