// Async workers that settle a Promise: Execute runs on a libuv worker thread with no N-API
// calls (only the copied baton), any exception there becomes a rejection with its message,
// and the result is built on the main thread.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <new>
#include <utility>

namespace bitbench::binding {

template <class Base>
class PromiseWorker : public Base {
 public:
  template <class... BaseArgs>
  explicit PromiseWorker(Napi::Env env, BaseArgs&&... baseArgs)
      : Base(std::forward<BaseArgs>(baseArgs)...), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  // Runs work on the worker thread; an exception becomes the rejection's message.
  template <class Work>
  void settleErrors(Work&& work, const char* outOfMemory) {
    try {
      work();
    } catch (const std::bad_alloc&) {
      this->SetError(outOfMemory);
    } catch (const std::exception& error) {
      this->SetError(error.what());
    } catch (...) {
      this->SetError("Unknown native error");
    }
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }
  // When a worker thread's environment is torn down with calls in flight, completion still
  // runs but N-API calls fail; an exception escaping here would terminate the process.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    try {
      Base::OnWorkComplete(env, status);
    } catch (const Napi::Error&) {
      this->Destroy();
    }
  }

  Napi::Promise::Deferred deferred_;
};

// A function run on the worker thread, and one that builds the result on the main thread.
class TaskWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  TaskWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> result,
             const char* outOfMemory)
      : PromiseWorker(env, env), work_(std::move(work)), result_(std::move(result)), outOfMemory_(outOfMemory) {}

 protected:
  void Execute() override { settleErrors(work_, outOfMemory_); }
  void OnOK() override { deferred_.Resolve(result_(Env())); }

 private:
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> result_;
  const char* outOfMemory_;
};

}  // namespace bitbench::binding
