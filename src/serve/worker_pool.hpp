#pragma once
// The workers that run serve's blocking work (ingest, dashboard SQL, static files) off the event
// loops. A request reserves its place before its body is read, so the bodies held in memory are
// bounded by workers + queue; without a place it is answered 503 at once.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dnslens {

class WorkerPool {
 public:
  WorkerPool(unsigned workers, std::size_t queue_capacity);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // A place for one more task (a free worker or a queue slot); false when there is none, or after
  // shutdown().
  [[nodiscard]] bool try_reserve();
  // Gives a reservation back: unused (the request failed before it needed a worker), or its task's
  // work done.
  void release();
  // Runs task on a worker; needs a reservation, which the task gives back with release() once its
  // blocking work is done, before it hands its result on (a client that already has its answer
  // must find the place free).
  void submit(std::function<void()> task);
  // Drops the tasks still queued, lets the running ones finish, and joins the workers.
  void shutdown();

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t capacity_;
  std::size_t reserved_ = 0;
  bool closed_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace dnslens
