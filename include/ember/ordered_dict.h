// OrderedDict: name -> value pairs in insertion order with lookup by name, the shape of state
// dicts and named_parameters() (as torch's OrderedDict and libtorch's torch::OrderedDict).
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/error.h"

namespace ember {

template <typename Value> class OrderedDict {
public:
  using Item = std::pair<std::string, Value>;

  // Adds a new key; a key that exists already is an error (use operator[] to overwrite).
  Value &insert(std::string key, Value value) {
    EMBER_CHECK(!contains(key), "OrderedDict: key '", key, "' already exists");
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().second;
  }
  // Inserts or overwrites.
  Value &set(const std::string &key, Value value) {
    if (auto found = index_.find(key); found != index_.end())
      return items_[found->second].second = std::move(value);
    return insert(key, std::move(value));
  }
  bool contains(const std::string &key) const { return index_.count(key) != 0; }
  const Value *find(const std::string &key) const {
    auto found = index_.find(key);
    return found == index_.end() ? nullptr : &items_[found->second].second;
  }
  Value *find(const std::string &key) {
    auto found = index_.find(key);
    return found == index_.end() ? nullptr : &items_[found->second].second;
  }
  const Value &at(const std::string &key) const {
    const Value *value = find(key);
    EMBER_CHECK(value != nullptr, "OrderedDict: key '", key, "' not found");
    return *value;
  }
  Value &at(const std::string &key) {
    Value *value = find(key);
    EMBER_CHECK(value != nullptr, "OrderedDict: key '", key, "' not found");
    return *value;
  }
  const Value &operator[](const std::string &key) const { return at(key); }
  Value &operator[](const std::string &key) { return at(key); }

  std::vector<std::string> keys() const {
    std::vector<std::string> result;
    for (const auto &item : items_)
      result.push_back(item.first);
    return result;
  }
  std::vector<Value> values() const {
    std::vector<Value> result;
    for (const auto &item : items_)
      result.push_back(item.second);
    return result;
  }
  const std::vector<Item> &items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

} // namespace ember
