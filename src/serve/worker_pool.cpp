#include "serve/worker_pool.hpp"

namespace dnslens {

WorkerPool::WorkerPool(unsigned workers, std::size_t queue_capacity) : capacity_(workers + queue_capacity) {
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::try_reserve() {
  std::lock_guard lock(mutex_);
  if (closed_ || reserved_ >= capacity_) return false;
  ++reserved_;
  return true;
}

void WorkerPool::release() {
  std::lock_guard lock(mutex_);
  --reserved_;
}

void WorkerPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      --reserved_;
      return;
    }
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void WorkerPool::shutdown() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    if (closed_ && threads_.empty()) return;
    closed_ = true;
    dropped.swap(queue_);
    reserved_ -= dropped.size();
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::work() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace dnslens
