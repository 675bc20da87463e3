// completion: the coordinator's one-shot reply callable (base/unique_function.h), called with the
// response exactly once: the coordinator either calls it before the entry point returns or keeps
// it until a later event (the end of a rebalance, a log append) finishes the request.
#pragma once

#include "base/unique_function.h"

namespace sluice::coordinator {

using sluice::unique_function;

template <class Response>
using completion = unique_function<void(Response)>;

using task = unique_function<void()>;

}  // namespace sluice::coordinator
