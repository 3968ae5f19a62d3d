// EMBER_DATA_OPTION: an option with libtorch's chained accessors, for the options classes of the
// data pipeline: options.batch_size(64) sets and returns the options, options.batch_size() reads.
#pragma once

#define EMBER_DATA_OPTION(Options, T, name, initial)                                               \
public:                                                                                            \
  Options &name(T value) {                                                                         \
    name##_ = std::move(value);                                                                    \
    return *this;                                                                                  \
  }                                                                                                \
  const T &name() const { return name##_; }                                                        \
                                                                                                   \
private:                                                                                           \
  T name##_ = initial;
