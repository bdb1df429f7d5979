#pragma once
// Threads for the multi-pass jobs, with results that never depend on the thread count.
//
// The rule every user follows: the work is cut into a FIXED list of items (chunk
// boundaries depend on the input size only, never on the thread count); threads take
// items dynamically (an atomic counter, so a slow item does not stall the others); each
// item writes only its own output slot; anything summed is reduced afterwards by item
// index, in order. So 1, 2 or 64 threads give the same bits.
//
//   parallel_for(n, threads, fn)                   fn(item, worker) for every item
//   parallel_reduce(n, threads, init, map, merge)  merge(acc, map(item)) in item order
//   parallel_ordered(n, threads, window, produce, consume)
//       produce(item, slot) on any thread, consume(item, slot) on the caller's thread in
//       item order as soon as the item is ready; at most `window` items are in flight
//       (slot = item % window), so memory stays bounded while the caller streams.
// The caller's thread is always one of the workers. An exception thrown by an item is
// rethrown in the caller once every thread has stopped.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace qs {

// 0 (or less) = the machine's hardware concurrency; never more than 64.
inline int resolve_threads(int threads) {
  if (threads > 0) return std::min(threads, 64);
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : int(std::min(hc, 64u));
}

// Chunks of `chunk` elements over n elements: how many items.
inline int64_t chunk_count(int64_t n, int64_t chunk) { return n <= 0 ? 0 : (n + chunk - 1) / chunk; }

// fn(item, worker) for item in [0, n_items), worker in [0, threads): per-worker scratch
// may be indexed by `worker`; per-item results must go to per-item slots.
template <class F>
void parallel_for(int64_t n_items, int threads, F&& fn) {
  threads = int(std::min<int64_t>(resolve_threads(threads), n_items));
  if (threads <= 1) {
    for (int64_t i = 0; i < n_items; ++i) fn(i, 0);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](int w) {
    try {
      for (int64_t i = next.fetch_add(1); i < n_items; i = next.fetch_add(1)) fn(i, w);
    } catch (...) {
      next.store(n_items);  // the others stop after their current item
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads - 1));
  for (int w = 1; w < threads; ++w) pool.emplace_back(worker, w);
  worker(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// map(item) → a partial on any thread; merge(acc, partial) into init in item order.
template <class T, class Map, class Merge>
T parallel_reduce(int64_t n_items, int threads, T init, Map&& map, Merge&& merge) {
  struct Slot {
    std::invoke_result_t<Map&, int64_t> value;  // (a struct, so vector<bool>'s shared bits never hold two threads' partials)
  };
  std::vector<Slot> part(size_t(std::max<int64_t>(n_items, 0)));
  parallel_for(n_items, threads, [&](int64_t i, int) { part[size_t(i)].value = map(i); });
  for (const Slot& p : part) merge(init, p.value);
  return init;
}

// produce(item, slot) anywhere, consume(item, slot) on the caller's thread in item order.
// slot = item % window indexes caller-owned buffers of `window` entries. The caller
// produces too when the next item to consume is not ready yet.
template <class Produce, class Consume>
void parallel_ordered(int64_t n_items, int threads, int window, Produce&& produce, Consume&& consume) {
  threads = int(std::min<int64_t>(resolve_threads(threads), n_items));
  window = std::max(window, 1);
  if (threads <= 1 || window < 2) {
    for (int64_t i = 0; i < n_items; ++i) {
      produce(i, int(i % window));
      consume(i, int(i % window));
    }
    return;
  }
  std::mutex m;
  std::condition_variable cv;
  int64_t next = 0;      // next item to claim
  int64_t consumed = 0;  // items consumed so far (the caller's only)
  std::vector<char> ready(size_t(window), 0);
  bool stop = false;
  std::exception_ptr error;

  // Claims an item when one is free and its slot is no longer in use; -1 when none now,
  // -2 when everything is claimed (or stopping).
  auto can_claim = [&]() -> int {
    if (stop || next >= n_items) return -2;
    return next >= consumed + window ? -1 : 0;
  };
  auto claim = [&]() -> int64_t {
    const int c = can_claim();
    return c < 0 ? c : next++;
  };
  auto run = [&](int64_t i) {
    try {
      produce(i, int(i % window));
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      if (!error) error = std::current_exception();
      stop = true;
      cv.notify_all();
      return;
    }
    std::lock_guard<std::mutex> lock(m);
    ready[size_t(i % window)] = 1;
    cv.notify_all();
  };
  auto worker = [&]() {
    for (;;) {
      int64_t i;
      {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return can_claim() != -1; });
        i = claim();
        if (i == -2) return;
      }
      run(i);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads - 1));
  for (int w = 1; w < threads; ++w) pool.emplace_back(worker);
  try {
    while (consumed < n_items) {
      int64_t mine = -1;
      {
        std::unique_lock<std::mutex> lock(m);
        for (;;) {
          if (stop) break;
          if (ready[size_t(consumed % window)]) break;
          mine = claim();
          if (mine >= 0) break;
          cv.wait(lock);
        }
        if (stop) break;
      }
      if (mine >= 0) {  // nothing to consume yet: help produce
        run(mine);
        continue;
      }
      const int slot = int(consumed % window);
      consume(consumed, slot);
      std::lock_guard<std::mutex> lock(m);
      ready[size_t(slot)] = 0;
      ++consumed;
      cv.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(m);
    if (!error) error = std::current_exception();
    stop = true;
    cv.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(m);
    stop = true;
    cv.notify_all();
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace qs
