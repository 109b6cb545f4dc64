// A string-keyed map with a bound on its keys that forgets the least recently touched first.
// Private to detect; the engine calls it once or twice per event, so it avoids every
// per-call allocation: lookups take a string_view, entries live in a pool of slots that are
// reused (a slot keeps its key's buffer), the index is open addressing with linear probing
// and backward-shift deletion (no tombstones), and the recency list is intrusive (slot
// indices), so touching an entry moves no node and allocates nothing.
// A reference returned by Find or Touch stays valid until the next Touch or Erase on the
// same map. Not thread-safe (the engine's mutex guards it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fg::detect::internal {

template <typename V, typename Time>
class LruMap {
 public:
  LruMap(size_t capacity, uint64_t* evicted) : capacity_(capacity), evicted_(evicted) {}

  V* Find(std::string_view key) {
    uint32_t slot = Lookup(key, Hash(key)).second;
    return slot == kNil ? nullptr : &slots_[slot].value;
  }

  // The entry for key (created when absent), now the most recently touched.
  V& Touch(std::string_view key, Time now) {
    const uint64_t hash = Hash(key);
    uint32_t slot = Lookup(key, hash).second;
    if (slot != kNil) {
      Unlink(slot);
      LinkBack(slot);
      slots_[slot].seen = now;
      return slots_[slot].value;
    }
    while (size_ >= capacity_ && head_ != kNil) {
      Release(head_);
      ++*evicted_;
    }
    slot = Allocate();
    Slot& s = slots_[slot];
    s.key.assign(key.data(), key.size());
    s.hash = hash;
    s.seen = now;
    LinkBack(slot);
    ++size_;
    Index(hash, slot);
    return s.value;
  }

  void Erase(std::string_view key) {
    uint32_t slot = Lookup(key, Hash(key)).second;
    if (slot != kNil) Release(slot);
  }

  // Drops entries not touched since cutoff. Touch order follows the clock, so the stale
  // ones are at the front.
  void ExpireBefore(Time cutoff) {
    while (head_ != kNil && slots_[head_].seen < cutoff) Release(head_);
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  static constexpr uint64_t kEmpty = UINT64_MAX;  // a table cell: (low 32 hash bits, slot)

  struct Slot {
    std::string key;
    uint64_t hash = 0;
    V value{};
    Time seen{};
    uint32_t prev = kNil;
    uint32_t next = kNil;
  };

  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  static uint64_t Cell(uint64_t hash, uint32_t slot) { return (hash & 0xffffffffu) << 32 | slot; }
  static uint32_t CellSlot(uint64_t cell) { return static_cast<uint32_t>(cell); }

  // (table position, slot) of key; slot is kNil when absent.
  std::pair<size_t, uint32_t> Lookup(std::string_view key, uint64_t hash) const {
    if (table_.empty()) return {0, kNil};
    const size_t mask = table_.size() - 1;
    const uint32_t tag = static_cast<uint32_t>(hash);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const uint64_t cell = table_[i];
      if (cell == kEmpty) return {i, kNil};
      if (static_cast<uint32_t>(cell >> 32) == tag && slots_[CellSlot(cell)].key == key) {
        return {i, CellSlot(cell)};
      }
    }
  }

  void Index(uint64_t hash, uint32_t slot) {
    if ((size_ + 1) * 2 > table_.size()) Rehash(table_.empty() ? 16 : table_.size() * 2);
    const size_t mask = table_.size() - 1;
    size_t i = hash & mask;
    while (table_[i] != kEmpty) i = (i + 1) & mask;
    table_[i] = Cell(hash, slot);
  }

  void Rehash(size_t cells) {
    std::vector<uint64_t> old(cells, kEmpty);
    old.swap(table_);
    const size_t mask = table_.size() - 1;
    for (uint64_t cell : old) {
      if (cell == kEmpty) continue;
      size_t i = (cell >> 32) & mask;
      while (table_[i] != kEmpty) i = (i + 1) & mask;
      table_[i] = cell;
    }
  }

  void Unindex(uint32_t slot) {
    const size_t mask = table_.size() - 1;
    size_t i = slots_[slot].hash & mask;
    while (CellSlot(table_[i]) != slot) i = (i + 1) & mask;
    // Backward shift: pull later cells of the probe run into the hole unless their home
    // lies cyclically in (hole, cell].
    for (size_t j = (i + 1) & mask; table_[j] != kEmpty; j = (j + 1) & mask) {
      const size_t home = (table_[j] >> 32) & mask;
      const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (stays) continue;
      table_[i] = table_[j];
      i = j;
    }
    table_[i] = kEmpty;
  }

  uint32_t Allocate() {
    if (!free_.empty()) {
      uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    slots_.emplace_back();
    return static_cast<uint32_t>(slots_.size() - 1);
  }

  void Release(uint32_t slot) {
    Unindex(slot);
    Unlink(slot);
    V& value = slots_[slot].value;
    if constexpr (requires { value.Reset(); }) {
      value.Reset();  // keeps small buffers for the next key
    } else {
      value = V{};
    }
    free_.push_back(slot);
    --size_;
  }

  void LinkBack(uint32_t slot) {
    Slot& s = slots_[slot];
    s.prev = tail_;
    s.next = kNil;
    if (tail_ != kNil) {
      slots_[tail_].next = slot;
    } else {
      head_ = slot;
    }
    tail_ = slot;
  }

  void Unlink(uint32_t slot) {
    Slot& s = slots_[slot];
    if (s.prev != kNil) {
      slots_[s.prev].next = s.next;
    } else {
      head_ = s.next;
    }
    if (s.next != kNil) {
      slots_[s.next].prev = s.prev;
    } else {
      tail_ = s.prev;
    }
    s.prev = s.next = kNil;
  }

  size_t capacity_;
  uint64_t* evicted_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  std::vector<uint64_t> table_;  // power-of-two size, at most half full
  uint32_t head_ = kNil;         // least recently touched
  uint32_t tail_ = kNil;
  size_t size_ = 0;
};

}  // namespace fg::detect::internal
