#include "pri/b_channel_pool.h"

#include <algorithm>

namespace sipnic::pri {

std::string_view b_channel_state_name(BChannelState s) {
  switch (s) {
    case BChannelState::kIdle: return "idle";
    case BChannelState::kInUse: return "in-use";
    case BChannelState::kRestarting: return "restarting";
    case BChannelState::kLocalMaintenance: return "local-maintenance";
    case BChannelState::kRemoteMaintenance: return "remote-maintenance";
    case BChannelState::kOutOfService: return "out-of-service";
    case BChannelState::kNotInService: return "not-in-service";
  }
  return "unknown";
}

BChannelPool::BChannelPool(LineType line, std::span<const std::uint8_t> channels, core::ChannelHunting hunting)
    : line_(line), hunting_(hunting), table_(max_channel_number(line) + 1u) {
  for (std::uint8_t c : channels) {
    if (!is_channel_number(line, c) || table_[c].in_service) continue;
    table_[c].in_service = true;
    in_service_.push_back(c);
  }
  std::sort(in_service_.begin(), in_service_.end());
}

BChannelPool::Channel* BChannelPool::find(std::uint8_t channel) {
  if (channel >= table_.size() || !table_[channel].in_service) return nullptr;
  return &table_[channel];
}
const BChannelPool::Channel* BChannelPool::find(std::uint8_t channel) const {
  if (channel >= table_.size() || !table_[channel].in_service) return nullptr;
  return &table_[channel];
}

bool BChannelPool::is_available(const Channel& c) const {
  return c.in_service && c.occupant == kNoCall && !c.restarting && !c.local_maintenance && !c.remote_maintenance &&
         !c.out_of_service && !line_down_;
}

bool BChannelPool::in_service(std::uint8_t channel) const { return find(channel) != nullptr; }

BChannelState BChannelPool::state(std::uint8_t channel) const {
  const Channel* c = find(channel);
  if (!c) return BChannelState::kNotInService;
  if (c->out_of_service) return BChannelState::kOutOfService;
  if (c->restarting) return BChannelState::kRestarting;
  if (c->occupant != kNoCall) return BChannelState::kInUse;
  if (line_down_) return BChannelState::kOutOfService;
  if (c->local_maintenance) return BChannelState::kLocalMaintenance;
  if (c->remote_maintenance) return BChannelState::kRemoteMaintenance;
  return BChannelState::kIdle;
}

CallId BChannelPool::occupant(std::uint8_t channel) const {
  const Channel* c = find(channel);
  return c ? c->occupant : kNoCall;
}

bool BChannelPool::available(std::uint8_t channel) const {
  const Channel* c = find(channel);
  return c && is_available(*c);
}

std::size_t BChannelPool::count(BChannelState s) const {
  return static_cast<std::size_t>(
      std::count_if(in_service_.begin(), in_service_.end(), [&](std::uint8_t c) { return state(c) == s; }));
}

std::optional<std::uint8_t> BChannelPool::hunt() {
  const std::size_t n = in_service_.size();
  if (n == 0) return std::nullopt;
  switch (hunting_) {
    case core::ChannelHunting::kAscending:
      for (std::uint8_t c : in_service_)
        if (is_available(table_[c])) return c;
      return std::nullopt;
    case core::ChannelHunting::kDescending:
      for (auto it = in_service_.rbegin(); it != in_service_.rend(); ++it)
        if (is_available(table_[*it])) return *it;
      return std::nullopt;
    case core::ChannelHunting::kRoundRobin: {
      // Start after the last channel hunted.
      const auto after = std::upper_bound(in_service_.begin(), in_service_.end(), last_hunted_);
      std::size_t start = static_cast<std::size_t>(after - in_service_.begin()) % n;
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t c = in_service_[(start + i) % n];
        if (is_available(table_[c])) {
          last_hunted_ = c;
          return c;
        }
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool BChannelPool::seize(std::uint8_t channel, CallId call) {
  Channel* c = find(channel);
  if (!c || !is_available(*c) || call == kNoCall) return false;
  c->occupant = call;
  return true;
}

bool BChannelPool::take_over(std::uint8_t channel, CallId call) {
  Channel* c = find(channel);
  if (!c || call == kNoCall || c->restarting || c->local_maintenance || c->remote_maintenance || c->out_of_service ||
      line_down_)
    return false;
  c->occupant = call;
  return true;
}

void BChannelPool::release(std::uint8_t channel, CallId call) {
  Channel* c = find(channel);
  if (c && c->occupant == call) c->occupant = kNoCall;
}

void BChannelPool::set_restarting(std::uint8_t channel, bool on) {
  if (Channel* c = find(channel)) c->restarting = on;
}
void BChannelPool::set_local_maintenance(std::uint8_t channel, bool on) {
  if (Channel* c = find(channel)) c->local_maintenance = on;
}
void BChannelPool::set_remote_maintenance(std::uint8_t channel, bool on) {
  if (Channel* c = find(channel)) c->remote_maintenance = on;
}
void BChannelPool::set_out_of_service(std::uint8_t channel, bool on) {
  if (Channel* c = find(channel)) c->out_of_service = on;
}
bool BChannelPool::restarting(std::uint8_t channel) const {
  const Channel* c = find(channel);
  return c && c->restarting;
}
bool BChannelPool::local_maintenance(std::uint8_t channel) const {
  const Channel* c = find(channel);
  return c && c->local_maintenance;
}
bool BChannelPool::remote_maintenance(std::uint8_t channel) const {
  const Channel* c = find(channel);
  return c && c->remote_maintenance;
}
bool BChannelPool::out_of_service(std::uint8_t channel) const {
  const Channel* c = find(channel);
  return c && c->out_of_service;
}

}  // namespace sipnic::pri
