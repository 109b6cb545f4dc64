#include "core/event_bus.h"

#include <gtest/gtest.h>

namespace fg::core {
namespace {

struct Ping {
  int n;
};
struct Pong {
  int n;
};

TEST(EventBus, DeliversOnlyTheSubscribedType) {
  EventBus bus;
  int pings = 0, pongs = 0;
  auto a = bus.Subscribe<Ping>([&](const Ping& p) { pings += p.n; });
  auto b = bus.Subscribe<Pong>([&](const Pong& p) { pongs += p.n; });
  bus.Publish(Ping{2});
  bus.Publish(Pong{5});
  EXPECT_EQ(pings, 2);
  EXPECT_EQ(pongs, 5);
}

TEST(EventBus, SubscriptionEndsWhenDestroyed) {
  EventBus bus;
  int seen = 0;
  {
    auto sub = bus.Subscribe<Ping>([&](const Ping&) { ++seen; });
    bus.Publish(Ping{1});
  }
  bus.Publish(Ping{1});
  EXPECT_EQ(seen, 1);
}

TEST(EventBus, MovedSubscriptionStaysActiveOnce) {
  EventBus bus;
  int seen = 0;
  Subscription outer;
  {
    auto inner = bus.Subscribe<Ping>([&](const Ping&) { ++seen; });
    outer = std::move(inner);
  }
  bus.Publish(Ping{1});
  EXPECT_EQ(seen, 1);
  outer.Reset();
  bus.Publish(Ping{1});
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace fg::core
