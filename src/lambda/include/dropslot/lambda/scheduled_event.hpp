#pragma once
// The daily reconcile's trigger (issue 22): an invocation that is neither an API
// Gateway request nor a bucket event but a schedule firing. Two shapes reach the
// function:
//   - an EventBridge rule with a ScheduleExpression (what deploy/template.yaml
//     wires): {"version": "0", "source": "aws.events", "detail-type": "Scheduled
//     Event", "resources": [<rule ARN>], "detail": {}};
//   - an EventBridge Scheduler schedule (or a manual `aws lambda invoke`), which
//     hands over its constant input as it is: {"dropslot": "reconcile"}.
// Pure: no I/O, thread-safe.
#include <string_view>

namespace dropslot::lambda {

/// True when `json` is a scheduled event of either shape; anything else (not
/// JSON, another source, another detail-type) is for the other handlers.
bool is_scheduled_event(std::string_view json);

}  // namespace dropslot::lambda
