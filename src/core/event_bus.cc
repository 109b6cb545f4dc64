#include "core/event_bus.h"

#include <algorithm>

namespace fg::core {

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    bus_ = other.bus_;
    type_ = other.type_;
    id_ = other.id_;
    other.bus_ = nullptr;
  }
  return *this;
}

void Subscription::Reset() {
  if (bus_ != nullptr) bus_->Unsubscribe(type_, id_);
  bus_ = nullptr;
}

void EventBus::Unsubscribe(std::type_index type, uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = handlers_.find(type);
  if (it == handlers_.end()) return;
  std::erase_if(it->second, [id](const Entry& e) { return e.id == id; });
}

}  // namespace fg::core
