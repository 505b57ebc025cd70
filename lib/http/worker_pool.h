#pragma once

// A fixed set of threads running queued jobs in order. The HTTP workers: they only build
// responses (Collect(), serializing, gzip), never wait on a client, so a few are enough.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lw::http {

class WorkerPool {
 public:
  // Starts `threads` threads; throws std::system_error when none can be started.
  explicit WorkerPool(unsigned threads);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();  // stop()

  // Queues `job`; false after stop(). Jobs must not throw.
  bool submit(std::function<void()> job);

  // Runs the jobs already queued, then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace lw::http
