// EventBus: typed, in-process publish/subscribe for facts that modules announce.
//
// Publishers never know their subscribers. Handlers run synchronously on the publishing
// thread, after the fact is durable, and must be quick (post work elsewhere if not).
// Events carry no secrets and never carry audit entries' content of record.
// Thread-safety: Publish and Subscribe may be called from any thread; a Subscription
// unsubscribes when destroyed and waits for none of the running handlers.
//
//   auto sub = bus.Subscribe<AuditCommitted>([](const AuditCommitted& e) { ... });
//   bus.Publish(AuditCommitted{.last_seq = 42});
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <typeindex>
#include <unordered_map>
#include <vector>

namespace fg::core {

class EventBus;

// Unsubscribes on destruction. Movable, not copyable.
class Subscription {
 public:
  Subscription() = default;
  Subscription(EventBus* bus, std::type_index type, uint64_t id)
      : bus_(bus), type_(type), id_(id) {}
  Subscription(Subscription&& other) noexcept { *this = std::move(other); }
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { Reset(); }
  void Reset();

 private:
  EventBus* bus_ = nullptr;
  std::type_index type_ = typeid(void);
  uint64_t id_ = 0;
};

class EventBus {
 public:
  template <typename Event>
  [[nodiscard]] Subscription Subscribe(std::function<void(const Event&)> handler) {
    auto erased = std::make_shared<std::function<void(const void*)>>(
        [h = std::move(handler)](const void* e) { h(*static_cast<const Event*>(e)); });
    std::lock_guard lock(mu_);
    uint64_t id = ++next_id_;
    handlers_[typeid(Event)].push_back({id, std::move(erased)});
    return Subscription(this, typeid(Event), id);
  }

  template <typename Event>
  void Publish(const Event& event) {
    std::vector<std::shared_ptr<std::function<void(const void*)>>> targets;
    {
      std::lock_guard lock(mu_);
      auto it = handlers_.find(typeid(Event));
      if (it == handlers_.end()) return;
      for (auto& entry : it->second) targets.push_back(entry.handler);
    }
    for (auto& target : targets) (*target)(&event);
  }

 private:
  friend class Subscription;
  struct Entry {
    uint64_t id;
    std::shared_ptr<std::function<void(const void*)>> handler;
  };
  void Unsubscribe(std::type_index type, uint64_t id);

  std::mutex mu_;
  uint64_t next_id_ = 0;
  std::unordered_map<std::type_index, std::vector<Entry>> handlers_;
};

}  // namespace fg::core
