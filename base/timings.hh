// Named passes, timed: the build reads as a list of passes over one
// context (STYLE.md §9). Passes tells an observer when each pass starts (a
// terminal shows "cairn: [3/8] composing /etc") and records how long each
// took, for `--timings`.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cairn {

class Passes {
 public:
  struct Timing {
    std::string name;
    double seconds = 0;
  };
  /// Called when a pass starts, with its name.
  using Observer = std::function<void(const std::string& name)>;

  explicit Passes(Observer observer = {}) : observer_(std::move(observer)) {}

  /// Ends the running pass (if any) and starts `name`.
  void start(std::string name) {
    finish();
    if (observer_) observer_(name);
    running_ = std::move(name);
    started_ = std::chrono::steady_clock::now();
  }
  /// Ends the running pass.
  void finish() {
    if (running_.empty()) return;
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - started_;
    timings_.push_back({std::move(running_), d.count()});
    running_.clear();
  }
  /// Finished passes in order.
  const std::vector<Timing>& timings() const { return timings_; }

 private:
  Observer observer_;
  std::string running_;
  std::chrono::steady_clock::time_point started_;
  std::vector<Timing> timings_;
};

}  // namespace cairn
