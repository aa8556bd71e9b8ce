#include "pri/channel_interfaces.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sipnic::pri {

ChannelInterfaces::ChannelInterfaces(BChannelPool& pool)
    : interfaces_{{0, &pool}}, named_(false), line_(pool.line()), d_channel_interface_(0) {}

ChannelInterfaces::ChannelInterfaces(std::vector<Interface> interfaces)
    : interfaces_(std::move(interfaces)), named_(true), line_(LineType::kT1) {
  if (interfaces_.empty()) throw std::invalid_argument("an NFAS D-channel needs one interface at least");
  line_ = interfaces_.front().pool ? interfaces_.front().pool->line() : LineType::kT1;
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    const Interface& f = interfaces_[i];
    if (!f.pool) throw std::invalid_argument("interface " + std::to_string(f.id) + " has no channel pool");
    if (f.id > kMaxInterfaceId)
      throw std::invalid_argument("interface identifier " + std::to_string(f.id) + " is above 127");
    if (f.pool->line() != line_) throw std::invalid_argument("the interfaces of one D-channel are of one line type");
    for (std::size_t j = 0; j < i; ++j)
      if (interfaces_[j].id == f.id)
        throw std::invalid_argument("interface identifier " + std::to_string(f.id) + " is given twice");
  }
  d_channel_interface_ = interfaces_.front().id;
}

BChannelPool* ChannelInterfaces::pool(std::uint8_t interface) {
  for (Interface& f : interfaces_)
    if (f.id == interface) return f.pool;
  return nullptr;
}

const BChannelPool* ChannelInterfaces::pool(std::uint8_t interface) const {
  for (const Interface& f : interfaces_)
    if (f.id == interface) return f.pool;
  return nullptr;
}

bool ChannelInterfaces::set_d_channel_interface(std::uint8_t interface) {
  if (!pool(interface)) return false;
  d_channel_interface_ = interface;
  return true;
}

std::optional<std::uint8_t> ChannelInterfaces::resolve(std::optional<std::uint32_t> interface_id) const {
  if (!interface_id) return d_channel_interface_;
  if (!named_) return *interface_id == 0 ? std::optional<std::uint8_t>(0) : std::nullopt;
  if (*interface_id > kMaxInterfaceId) return std::nullopt;
  const auto id = static_cast<std::uint8_t>(*interface_id);
  if (!pool(id)) return std::nullopt;
  return id;
}

std::optional<std::uint32_t> ChannelInterfaces::identifier_for(std::uint8_t interface) const {
  if (!named_) return std::nullopt;
  return interface;
}

std::optional<ChannelRef> ChannelInterfaces::hunt() {
  for (Interface& f : interfaces_)
    if (auto ch = f.pool->hunt()) return ChannelRef{f.id, *ch};
  return std::nullopt;
}

std::optional<ChannelRef> ChannelInterfaces::hunt(std::uint8_t interface) {
  BChannelPool* p = pool(interface);
  if (!p) return std::nullopt;
  const auto ch = p->hunt();
  if (!ch) return std::nullopt;
  return ChannelRef{interface, *ch};
}

std::vector<ChannelRef> ChannelInterfaces::channels(std::uint8_t interface) const {
  std::vector<ChannelRef> out;
  if (const BChannelPool* p = pool(interface))
    for (std::uint8_t ch : p->channels()) out.push_back({interface, ch});
  return out;
}

std::vector<ChannelRef> ChannelInterfaces::all_channels() const {
  std::vector<ChannelRef> out;
  for (const Interface& f : interfaces_)
    for (std::uint8_t ch : f.pool->channels()) out.push_back({f.id, ch});
  return out;
}

bool ChannelInterfaces::in_service(ChannelRef c) const {
  const BChannelPool* p = pool(c.interface);
  return p && p->in_service(c.channel);
}

bool ChannelInterfaces::available(ChannelRef c) const {
  const BChannelPool* p = pool(c.interface);
  return p && p->available(c.channel);
}

CallId ChannelInterfaces::occupant(ChannelRef c) const {
  const BChannelPool* p = pool(c.interface);
  return p ? p->occupant(c.channel) : kNoCall;
}

bool ChannelInterfaces::seize(ChannelRef c, CallId call) {
  BChannelPool* p = pool(c.interface);
  return p && p->seize(c.channel, call);
}

bool ChannelInterfaces::take_over(ChannelRef c, CallId call) {
  BChannelPool* p = pool(c.interface);
  return p && p->take_over(c.channel, call);
}

void ChannelInterfaces::release(ChannelRef c, CallId call) {
  if (BChannelPool* p = pool(c.interface)) p->release(c.channel, call);
}

void ChannelInterfaces::set_restarting(ChannelRef c, bool on) {
  if (BChannelPool* p = pool(c.interface)) p->set_restarting(c.channel, on);
}

void ChannelInterfaces::set_local_maintenance(ChannelRef c, bool on) {
  if (BChannelPool* p = pool(c.interface)) p->set_local_maintenance(c.channel, on);
}

void ChannelInterfaces::set_remote_maintenance(ChannelRef c, bool on) {
  if (BChannelPool* p = pool(c.interface)) p->set_remote_maintenance(c.channel, on);
}

void ChannelInterfaces::set_out_of_service(ChannelRef c, bool on) {
  if (BChannelPool* p = pool(c.interface)) p->set_out_of_service(c.channel, on);
}

}  // namespace sipnic::pri
