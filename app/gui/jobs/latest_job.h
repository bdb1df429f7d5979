#pragma once
// One background job slot where the newest request wins (Tracy/ImHex style): the render
// thread posts requests and takes finished results; a worker thread computes.
//
//  - post(req, cancel_running): replaces any request still waiting. With cancel_running
//    the computation under way is cancelled through its RunControl (a new tensor, a new
//    scheme kind). Without it (continuous drags) the running one finishes and shows:
//    cancelling on every drag frame would starve the view until the drag stops.
//  - take(): the newest finished result not yet taken; results older than one already
//    taken are dropped (generation numbers).
//  - publish_preview(r), from inside the computation: a first, partial answer (e.g. on a
//    subset of the groups of a huge tensor) that take() hands out before the final one
//    (Done::preview). Once a computation has published a preview, a newer request
//    cancels it even without cancel_running: its user has something to look at, and the
//    exact pass of a value that is already being edited again is wasted work.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "analysis/base/run_control.h"

namespace qs::app {

template <class Request, class Result>
class LatestJob {
 public:
  using Fn = std::function<Result(const Request&, RunControl&)>;
  struct Done {
    uint64_t generation = 0;
    Result result;
    double ms = 0;  // compute time
    std::chrono::steady_clock::time_point finished;  // when the worker had it ready
    bool preview = false;  // a partial answer; the final one for this generation follows
  };

  explicit LatestJob(Fn fn) : fn_(std::move(fn)), worker_([this] { loop(); }) {}
  ~LatestJob() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
      if (running_) running_->cancel = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  LatestJob(const LatestJob&) = delete;
  LatestJob& operator=(const LatestJob&) = delete;

  uint64_t post(Request r, bool cancel_running) {
    std::lock_guard lock(m_);
    pending_ = std::move(r);
    pending_gen_ = ++generation_;
    if ((cancel_running || running_previewed_) && running_) running_->cancel = true;
    cv_.notify_all();
    return pending_gen_;
  }

  std::optional<Done> take() {
    std::lock_guard lock(m_);
    if (preview_ && preview_->generation <= taken_) preview_.reset();
    if (done_ && done_->generation > taken_) {
      taken_ = done_->generation;
      std::optional<Done> out = std::move(done_);
      done_.reset();
      if (preview_ && preview_->generation <= taken_) preview_.reset();
      return out;
    }
    if (preview_ && preview_->generation > preview_taken_) {
      preview_taken_ = preview_->generation;
      std::optional<Done> out = std::move(preview_);
      preview_.reset();
      return out;
    }
    return std::nullopt;
  }

  // From inside the computation (the worker thread): hand out a partial result now.
  void publish_preview(Result r, double ms) {
    std::lock_guard lock(m_);
    if (!running_ || running_->cancelled()) return;
    preview_ = Done{running_gen_, std::move(r), ms, std::chrono::steady_clock::now(), true};
    running_previewed_ = true;
  }
  // From inside the computation: a newer request is waiting.
  bool superseded() const {
    std::lock_guard lock(m_);
    return pending_.has_value();
  }

  bool busy() const {
    std::lock_guard lock(m_);
    return pending_.has_value() || running_ != nullptr;
  }
  // Nothing waiting, running, or finished and not yet taken: the screen shows the newest.
  bool settled() const {
    std::lock_guard lock(m_);
    return !pending_.has_value() && running_ == nullptr && !(done_ && done_->generation > taken_) &&
           !(preview_ && preview_->generation > preview_taken_ && preview_->generation > taken_);
  }
  // Progress of the running computation in [0, 1] (0 when idle).
  double progress() const {
    std::lock_guard lock(m_);
    return running_ ? running_->progress() : 0.0;
  }
  // The running computation's done and total counters (0, 0 when idle).
  std::pair<int64_t, int64_t> counts() const {
    std::lock_guard lock(m_);
    if (!running_) return {0, 0};
    return {running_->done.load(std::memory_order_relaxed), running_->total.load(std::memory_order_relaxed)};
  }
  // Cancels the running computation and drops a waiting request.
  void cancel() {
    std::lock_guard lock(m_);
    pending_.reset();
    if (running_) running_->cancel = true;
  }
  uint64_t last_posted() const {
    std::lock_guard lock(m_);
    return generation_;
  }

 private:
  void loop() {
    for (;;) {
      Request req;
      uint64_t gen;
      auto control = std::make_shared<RunControl>();
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stop_ || pending_.has_value(); });
        if (stop_) return;
        req = std::move(*pending_);
        pending_.reset();
        gen = pending_gen_;
        running_ = control;
        running_gen_ = gen;
        running_previewed_ = false;
      }
      const auto t0 = std::chrono::steady_clock::now();
      Result res = fn_(req, *control);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::lock_guard lock(m_);
      running_.reset();
      running_previewed_ = false;
      if (!control->cancelled() && gen > taken_ && (!done_ || gen > done_->generation))
        done_ = Done{gen, std::move(res), ms, std::chrono::steady_clock::now()};
    }
  }

  Fn fn_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::optional<Request> pending_;
  uint64_t pending_gen_ = 0, generation_ = 0, taken_ = 0, preview_taken_ = 0, running_gen_ = 0;
  std::shared_ptr<RunControl> running_;
  bool running_previewed_ = false;
  std::optional<Done> done_, preview_;
  bool stop_ = false;
  std::thread worker_;  // last: starts after every member above exists
};

}  // namespace qs::app
